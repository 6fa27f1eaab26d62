"""From stored corrections to training rows: the alignment of whole-text corrections and the export rule."""
from ocrmesh.corrections import final_lines, manifest_row, split_like

BOX = [[0, 0], [10, 0], [10, 5], [0, 5]]


def _detail(lines, corrections):
    return {"id": "r1", "width": 100, "height": 50, "owner": "ann",
            "lines": [{"index": i, "points": BOX, "text": t, "confidence": c} for i, (t, c) in enumerate(lines)],
            "corrections": [{"created_at": f"2026-11-30T10:00:0{n}Z", **c} for n, c in enumerate(corrections)]}


def test_whole_text_correction_is_cut_where_the_read_lines_break():
    read = ["T0TAL 9.00", "CASH", "THANK Y0U"]
    # Same number of lines: one to one.
    assert split_like(read, "TOTAL 9.00\nCASH 10.00\nTHANK YOU") == ["TOTAL 9.00", "CASH 10.00", "THANK YOU"]
    # A line break lost and words added: the alignment still gives each line its part.
    assert split_like(read, "TOTAL 9.00 CASH 10.00\nTHANK YOU") == ["TOTAL 9.00", "CASH 10.00", "THANK YOU"]
    assert split_like(["ab", "cd"], "abcd") == ["ab", "cd"]


def test_corrections_apply_in_time_order_with_boxes_added_moved_and_deleted():
    moved = [[1, 1], [11, 1], [11, 7], [1, 7]]
    detail = _detail([("T0TAL", 0.7), ("logo", 0.6), ("CASH", 0.99)], [
        {"line_index": None, "text": "TOTAL\nlogo\nCASH"},
        {"line_index": 1, "text": "", "deleted": True},
        {"line_index": 0, "text": "TOTAL:", "points": moved},
        {"line_index": 3, "text": "9.00", "points": BOX},
    ])
    lines = final_lines(detail)
    assert [(ln.text, ln.reviewed) for ln in lines] == [("TOTAL:", True), ("CASH", True), ("9.00", True)]
    assert lines[0].points == moved


def test_export_rule_keeps_reviewed_and_confident_lines_and_ignores_the_rest():
    detail = _detail([("TOTAL", 0.8), ("CASH", 0.97), ("C4SH", 0.5)], [{"line_index": 0, "text": "TOTAL:"}])
    row = manifest_row(detail, "images/r1.png")
    assert [(b["text"], b.get("ignore", False)) for b in row["boxes"]] == [("TOTAL:", False), ("CASH", False), ("###", True)]
    assert row["text"] == "TOTAL:\nCASH" and row["source"] == "ocrmesh:r1"
    assert not row["case_sensitive"]                                        # capitals only: the case is unknown
    assert manifest_row(_detail([("Total", 0.8)], [{"line_index": 0, "text": "Total:"}]), "x.png")["case_sensitive"]
    assert manifest_row(_detail([("CASH", 0.99)], []), "x.png") is None      # nobody looked at it

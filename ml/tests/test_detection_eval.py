"""Page-level detection metrics, line crops and the end-to-end evaluation."""
import json
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from ocr_common.geometry import crop_quad as crop_line
from ocr_models.detection.predictor import DetectionResult, Line
from ocr_models.metrics import edit_distance
from ocr_models.metrics import reference_edit_distance as slow_edit_distance
from ocr_models.page_evaluation import PageRecord, coverage, evaluate_pages, match_boxes, prf, reading_pairs, word_boxes_to_lines


def test_one_to_one_matching_at_iou_half():
    gt = [[0, 0, 100, 20], [0, 30, 100, 50]]
    pred = [[2, 1, 98, 21], [0, 0, 100, 20], [0, 60, 50, 80]]   # a duplicate and a false positive
    m = match_boxes(pred, gt)
    assert m == {"tp": 1, "n_pred": 3, "n_gt": 2}
    assert match_boxes([[0, 30, 60, 50]], gt)["tp"] == 1       # IoU 0.6
    assert match_boxes([[0, 30, 40, 50]], gt)["tp"] == 0       # IoU 0.4
    assert prf(1, 3, 1, 2) == (0.3333, 0.5, 0.4)


def test_coverage_lets_one_line_cover_several_words():
    words = [[10, 10, 60, 30], [70, 10, 120, 30], [130, 12, 200, 30]]
    line = [[8, 9, 202, 31]]
    c = coverage(line, words)
    assert c["covered"] == 3 and c["n_gt"] == 3 and c["correct"] == 1 and c["n_pred"] == 1
    assert c["owner"].tolist() == [0, 0, 0]
    assert match_boxes(line, words)["tp"] == 0                  # IoU matching cannot see it
    # A line spanning two text rows matches neither row vertically.
    two_rows = coverage([[8, 9, 202, 70]], words + [[10, 45, 200, 68]])
    assert two_rows["covered"] == 0
    # A line over empty paper is wrong.
    assert coverage([[300, 10, 400, 30]], words)["correct"] == 0


def test_ignore_boxes_count_for_neither_side():
    gt = [[0, 0, 100, 20], [0, 40, 100, 60]]
    ign = [False, True]
    m = match_boxes([[0, 0, 100, 20], [0, 41, 100, 60]], gt, ign)
    assert m == {"tp": 1, "n_pred": 1, "n_gt": 1}
    c = coverage([[0, 41, 100, 60]], gt, ign)
    assert c["n_pred"] == 0 and c["n_gt"] == 1 and c["covered"] == 0 and c["owner"].tolist() == [-1, -2]


def _read_line(x0, x1, words):
    """A line read between x0 and x1 (y 9-31), with its words' page boxes: (text, x0, x1) each."""
    return SimpleNamespace(points=_quad(x0, 9, x1, 31), text=" ".join(w[0] for w in words),
                           words=[SimpleNamespace(points=_quad(a, 10, b, 30), text=t) for t, a, b in words])


def _paper_page(words):
    """A page whose ground truth is word boxes (text, x0, x1) on one row; "###" marks an ignore box (a token set in
    a maths font, as DocBank marks them)."""
    return PageRecord(image=np.full((40, 240), 255, np.uint8),
                      quads=np.array([_quad(a, 10, b, 30) for _, a, b in words], np.float32).reshape(-1, 4, 2),
                      texts=[t for t, _, _ in words], ignore=np.array([t == "###" for t, _, _ in words]), text="",
                      subset="paper", case_sensitive=True, name="p.png", box_level="word")


def test_reading_is_scored_word_by_word_around_ignore_boxes():
    page = _paper_page([("the", 10, 40), ("###", 50, 90), ("value", 100, 150)])
    line = _read_line(8, 152, [("the", 10, 40), ("Q(s,a)", 52, 88), ("valve", 100, 150)])
    assert reading_pairs(page, [line]) == [("the valve", "the value")]   # the maths token is not scored
    bare = SimpleNamespace(points=line.points, text=line.text, words=[])  # no word boxes: the line as a whole
    assert reading_pairs(page, [bare]) == [("the Q(s,a) valve", "the value")]


def test_a_line_mostly_over_ignore_boxes_still_has_its_words_scored():
    page = _paper_page([("agent", 10, 40), ("###", 45, 160), ("stored", 165, 200)])
    line = _read_line(8, 202, [("agent", 10, 40), ("(state,", 46, 100), ("action)", 104, 158), ("stored", 166, 200)])
    assert reading_pairs(page, [line]) == [("agent stored", "agent stored")]
    # A line wholly over an ignore box (a display equation) is no insertion; the words it does not cover are missed.
    formula = _read_line(44, 161, [("x=", 46, 100), ("1", 104, 158)])
    assert reading_pairs(page, [formula]) == [("", "agent"), ("", "stored")]


def test_crop_line_rectifies_a_tilted_quad():
    img = np.full((200, 300, 3), 255, np.uint8)
    quad = np.array([[50, 60], [250, 80], [248, 110], [48, 90]], np.float32)
    cv2.fillPoly(img, [quad.astype(np.int32)], (0, 0, 0))
    crop = crop_line(img, quad, margin=0.2)
    assert crop.shape[2] == 3 and 190 < crop.shape[1] < 225 and 35 < crop.shape[0] < 50
    inner = crop[int(crop.shape[0] * 0.3): int(crop.shape[0] * 0.7), 20:-20]
    assert inner.mean() < 40                                      # the quad's inside, straightened
    assert crop_line(img, np.zeros((4, 2))).shape[:2] == (1, 1)   # degenerate quads do not crash


@pytest.mark.parametrize("a,b", [("kitten", "sitting"), ("", "abc"), ("a" * 80 + "xyz", "a" * 75 + "xy"), ("abc" * 40, "cba" * 41)])
def test_fast_edit_distance_matches_the_reference(a, b):
    assert edit_distance(a, b) == slow_edit_distance(a, b)
    assert edit_distance(a.split(), b.split()) == slow_edit_distance(a.split(), b.split())


class _FakeDetector:
    def __init__(self, quads):
        self.quads = quads

    def detect(self, image):
        return DetectionResult(image.shape[1], image.shape[0], [Line(q, 0.9) for q in self.quads], 1.0)


class _FakeRecognizer:
    def __init__(self, texts, confidences=None):
        self.texts = texts
        self.confidences = confidences or [0.9] * len(texts)

    def recognize(self, crops):
        assert all(c.size for c in crops)
        return [SimpleNamespace(text=t, confidence=c, words=[]) for t, c in zip(self.texts[: len(crops)], self.confidences)]


def _quad(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def test_evaluate_pages_end_to_end(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.full((100, 300, 3), 255, np.uint8))
    rows = [
        {"image": "a.png", "subset": "receipt", "case_sensitive": False, "text": "TOTAL 12.50\nTHANK YOU",
         "boxes": [{"points": _quad(10, 10, 120, 30), "text": "TOTAL"}, {"points": _quad(170, 10, 280, 30), "text": "12.50"},
                   {"points": _quad(10, 50, 150, 70), "text": "THANK YOU"},
                   {"points": _quad(10, 75, 50, 95), "text": "###", "ignore": True}]},
        {"image": "a.png", "subset": "book", "text": "Call me Ishmael."},
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(json.dumps(r) for r in rows))
    # One line covers both fields of the first row; the second row is found; one line sits on the ignore box;
    # one box on blank paper is read while guessing, so it is no text line (and no insertion).
    det = _FakeDetector([_quad(8, 9, 282, 31), _quad(10, 50, 150, 70), _quad(10, 76, 50, 95), _quad(200, 50, 290, 70)])
    rec = _FakeRecognizer(["total 12.5O", "THANK YOU", "x", "%+%"], [0.9, 0.9, 0.9, 0.2])
    res = evaluate_pages(det, manifest, recognizer=rec)
    r = res["subsets"]["receipt"]
    assert r["pages"] == 1 and r["gt_boxes"] == 3 and r["pred_lines"] == 3
    assert r["recall"] == pytest.approx(1 / 3, abs=1e-3) and r["cov_recall"] == 1.0
    assert r["cov_precision"] == pytest.approx(2 / 3, abs=1e-3)   # detection is scored before reading
    assert r["cer"] == pytest.approx(1 / 20, abs=1e-3)   # one wrong character (O for 0), case folded
    book = res["subsets"]["book"]
    assert "f1" not in book and book["cer"] > 0            # text-only page: reading-order CER
    assert res["overall"]["pages"] == 2
    assert "cer" not in evaluate_pages(det, manifest)["overall"]


def test_page_text_comparison_joins_words_hyphenated_across_lines():
    from ocr_models.page_evaluation import _dehyphenate

    assert _dehyphenate("com-\npleting the\nwork - done") == "completing the\nwork - done"


def test_words_make_the_lines_a_reader_draws_and_columns_stay_apart():
    words = [[10, 10, 60, 30], [68, 12, 120, 31], [128, 10, 170, 30],      # one line, word spaces
             [260, 10, 300, 30], [306, 11, 350, 30],                       # the next column (a 90-px gutter)
             [10, 50, 80, 70], [300, 300, 340, 400]]                       # a line below; a tall box alone
    lines = word_boxes_to_lines(np.array(words, np.float32)).tolist()
    assert sorted(lines) == sorted([[10, 10, 170, 31], [260, 10, 350, 30], [10, 50, 80, 70], [300, 300, 340, 400]])
    assert len(word_boxes_to_lines(np.zeros((0, 4), np.float32))) == 0


def test_pages_with_word_boxes_report_line_f1(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.full((100, 400, 3), 255, np.uint8))
    row = {"image": "a.png", "subset": "paper", "box_level": "word", "text": "one two three",
           "boxes": [{"points": _quad(10, 10, 60, 30), "text": "one"}, {"points": _quad(68, 10, 120, 30), "text": "two"},
                     {"points": _quad(10, 50, 90, 70), "text": "three"}, {"points": _quad(200, 40, 380, 95), "text": "###", "ignore": True}]}
    (tmp_path / "m.jsonl").write_text(json.dumps(row))
    # Lines found: the first (both words), the second, and one inside the ignored figure (not counted).
    det = _FakeDetector([_quad(9, 9, 121, 31), _quad(10, 50, 90, 70), _quad(210, 50, 370, 90)])
    r = evaluate_pages(det, tmp_path / "m.jsonl")["subsets"]["paper"]
    assert r["line_f1"] == 1.0 and r["f1"] < 0.7   # against the words themselves, one of three matches
    det = _FakeDetector([_quad(9, 9, 60, 31), _quad(10, 50, 90, 70)])            # the first line half found
    assert evaluate_pages(det, tmp_path / "m.jsonl")["subsets"]["paper"]["line_f1"] == 0.5   # 1 of 2 each way

from ocr_models.metrics import ErrorRate, edit_distance, normalize_for_scoring


def test_edit_distance():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert edit_distance(["a", "b"], ["a", "b"]) == 0


def test_error_rate_accumulates_cer_and_wer():
    er = ErrorRate()
    er.add("hello world", "hello world")
    er.add("helo", "hello")
    assert er.chars == 16 and er.char_errors == 1
    assert abs(er.cer - 1 / 16) < 1e-9
    assert abs(er.wer - 1 / 3) < 1e-9
    assert er.as_dict()["line_accuracy"] == 0.5


def test_case_folding_and_spaces():
    assert normalize_for_scoring(" Total  RM ", case_sensitive=False) == "total rm"
    assert normalize_for_scoring("Total", case_sensitive=True) == "Total"

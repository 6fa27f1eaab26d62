from ocr_common.lines import MIN_LINE_CONFIDENCE, is_text_line


def test_a_text_line_needs_text_and_a_confident_reading():
    assert is_text_line("TOTAL 12.15", 0.93)
    assert is_text_line("ok", MIN_LINE_CONFIDENCE)
    assert not is_text_line("%+x%", MIN_LINE_CONFIDENCE - 0.01)
    assert not is_text_line("   ", 0.99)
    assert is_text_line("%+x%", 0.2, min_confidence=0.0)

"""The promotion gate's case check: clean mixed-case lines, and the share of characters read in the wrong case."""
from types import SimpleNamespace

from ocr_models.data.clean_print import clean_print_lines
from ocr_models.model_scores import case_error_rate
from ocr_models.recognition.vocab import DEFAULT_CHARSET


class Reads:
    """A recognizer that reads each clean-print line as `how(truth)`."""

    def __init__(self, how, n=40):
        self.config = SimpleNamespace(charset=DEFAULT_CHARSET)
        self.truths = [t for _, t in clean_print_lines(DEFAULT_CHARSET)[:n]]
        self.how = how

    def recognize(self, images):
        assert len(images) == len(self.truths)
        return [SimpleNamespace(text=self.how(t)) for t in self.truths]


def test_clean_print_lines_are_fixed_mixed_case_ink_on_white():
    a, b = clean_print_lines(DEFAULT_CHARSET, n=30), clean_print_lines(DEFAULT_CHARSET, n=30)
    assert [t for _, t in a] == [t for _, t in b]                        # the same lines every run
    assert all((x == y).all() for (x, _), (y, _) in zip(a, b))
    texts = "".join(t for _, t in a)
    assert sum(c.islower() for c in texts) > sum(c.isupper() for c in texts) > 10     # mixed case
    for img, _ in a:
        assert img.ndim == 2 and img[0].min() == 255 and img.min() < 80    # white margin, dark ink


def test_case_error_rate_counts_case_and_nothing_else():
    assert case_error_rate(Reads(lambda t: t), limit=40) == 0.0
    shouted = case_error_rate(Reads(str.upper), limit=40)
    assert shouted > 0.3                                                   # most letters are lower-case
    # Misread letters in the right case are reading errors, not case errors.
    assert case_error_rate(Reads(lambda t: t.replace("e", "c").replace("a", "o")), limit=40) == 0.0
    assert case_error_rate(Reads(lambda t: t.swapcase()), limit=40) > shouted

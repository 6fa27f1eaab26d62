"""The committed recognizer on real scanned lines (dev split; never trained on)."""
import pytest

from ocr_models.evaluation import evaluate_lines
from ocr_models.loader import load_recognizer

# Character error rate limits per subset (case-folded where the manifest says so). The committed weights
# (learn-20261130-2002, docs/learning.md) read uw3 at 1.07 % and receipt lines at 2.48 %; the learning issue
# asks that uw3 get no worse than the synthetic-only 1.13 % by more than 0.15 points.
LIMITS = {"uw3": 0.0128, "sroie_segment": 0.025}


@pytest.mark.quality
@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_committed_recognizer_reads_real_lines(evaldata, recognizer_path, runtime):
    report = evaluate_lines(load_recognizer(recognizer_path, runtime),
                            evaldata / "lines" / "manifest.jsonl")
    subsets = report["subsets"]
    for subset, limit in LIMITS.items():
        assert subsets[subset]["cer"] <= limit, (subset, subsets[subset])


@pytest.mark.quality
@pytest.mark.xfail(strict=True, reason="the learning issue's target (<= 2.0 %) is not reached yet: 2.48 %")
def test_receipt_lines_reach_the_learning_target(evaldata, recognizer_path):
    report = evaluate_lines(load_recognizer(recognizer_path, "onnx"),
                            evaldata / "lines" / "manifest.jsonl")
    assert report["subsets"]["sroie_segment"]["cer"] <= 0.020

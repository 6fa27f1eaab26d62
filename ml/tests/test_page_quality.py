"""The committed detector + recognizer on real pages (dev split; never trained on)."""
import pytest

from ocr_models.detection.predictor import TextDetector
from ocr_models.page_evaluation import evaluate_pages
from ocr_models.recognition.predictor import LineRecognizer

COVERAGE_F1 = {"sroie_receipt": 0.85, "docbank_born_digital": 0.90}
# Targets of the detection issue; docbank meets its target, receipts and old books do not yet.
CER_TARGET = {"sroie_receipt": 0.08, "docbank_born_digital": 0.05, "oldbooks_scan": 0.03}
# What the committed weights reach (11.5 %, 2.8 %, 3.1 % when measured), as a guard against regressions.
CER_REACHED = {"sroie_receipt": 0.125, "docbank_born_digital": 0.05, "oldbooks_scan": 0.034}


@pytest.fixture(scope="module")
def report(evaldata, recognizer_path, detector_path):
    detector = TextDetector.from_checkpoint(detector_path, runtime="onnx")
    recognizer = LineRecognizer.from_checkpoint(recognizer_path, runtime="onnx", workers=2)
    return evaluate_pages(detector, evaldata / "pages" / "manifest.jsonl", recognizer)["subsets"]


@pytest.mark.quality
@pytest.mark.parametrize("subset", sorted(COVERAGE_F1))
def test_detector_covers_the_text_lines(report, subset):
    assert report[subset]["cov_f1"] >= COVERAGE_F1[subset], report[subset]


@pytest.mark.quality
@pytest.mark.parametrize("subset", sorted(CER_REACHED))
def test_end_to_end_character_error_rate_holds(report, subset):
    assert report[subset]["cer"] <= CER_REACHED[subset], report[subset]


@pytest.mark.quality
@pytest.mark.parametrize("subset", [
    "docbank_born_digital",
    pytest.param("sroie_receipt", marks=pytest.mark.xfail(strict=True, reason="11.5 % today: split lines and misses")),
    pytest.param("oldbooks_scan", marks=pytest.mark.xfail(strict=True, reason="3.1 % today, just above the target")),
])
def test_end_to_end_character_error_rate_meets_the_target(report, subset):
    assert report[subset]["cer"] <= CER_TARGET[subset], report[subset]

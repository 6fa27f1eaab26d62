"""The committed recognizer on real scanned lines (dev split; never trained on)."""
import pytest

from ocr_models.evaluation import evaluate_lines
from ocr_models.recognition.predictor import LineRecognizer

# Character error rate limits per subset (case-folded where the manifest says so).
LIMITS = {"uw3": 0.03, "sroie_segment": 0.05}


@pytest.mark.quality
@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_committed_recognizer_reads_real_lines(evaldata, recognizer_path, runtime):
    report = evaluate_lines(LineRecognizer.from_checkpoint(recognizer_path, runtime=runtime),
                            evaldata / "lines" / "manifest.jsonl")
    subsets = report["subsets"]
    for subset, limit in LIMITS.items():
        assert subsets[subset]["cer"] <= limit, (subset, subsets[subset])

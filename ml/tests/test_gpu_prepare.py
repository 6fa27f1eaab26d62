"""scripts/gpu/prepare.py's packing for a distilled run: receipts' labels take their case here, and the teacher
travels in half precision and reads as it did."""
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import torch

from ocr_models.recognition.model import load_crnn

REPO = Path(__file__).resolve().parents[2]


def _prepare():
    spec = importlib.util.spec_from_file_location("gpu_prepare", REPO / "scripts" / "gpu" / "prepare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_upper_case_labels_split_into_the_ones_a_reader_gives_a_case_and_the_rest():
    prepare = _prepare()
    readings = {"TOTAL 12.50": "Total 12.50", "CASH": "Cash", "CHANGE 0.40": "Chango 0.40"}
    boxes = [{"points": [[0, 10 * i], [60, 10 * i], [60, 10 * i + 8], [0, 10 * i + 8]], "text": t}
             for i, t in enumerate(readings)]
    boxes.append({"points": [[0, 40], [5, 40], [5, 45], [0, 45]], "text": "###", "ignore": True})

    class Reader:
        config = SimpleNamespace(charset=load_crnn(REPO / "models" / "recognizer.pt").config.charset)

        def recognize(self, crops):
            assert len(crops) == 3   # the ignored box is not read
            return [SimpleNamespace(text=readings[b["text"]]) for b in boxes[:3]]

    cased, folded = prepare.take_case(np.full((60, 80), 255, np.uint8), {"boxes": boxes}, Reader())
    assert [b["text"] for b in cased] == ["Total 12.50", "Cash"]
    assert [b["text"] for b in folded] == ["CHANGE 0.40", "###"]   # other letters, or ignored: stay as labelled
    assert folded[1]["ignore"]
    assert cased[0]["points"] == boxes[0]["points"]


def test_the_teacher_travels_in_half_precision_and_reads_the_same(tmp_path, monkeypatch, recognizer_path):
    prepare = _prepare()
    monkeypatch.setattr(prepare, "OUT", tmp_path)
    size = prepare.pack_teacher(recognizer_path)
    assert size < 0.6 * recognizer_path.stat().st_size
    full, half = load_crnn(recognizer_path), load_crnn(tmp_path / "teacher.pt")
    assert next(half.parameters()).dtype == torch.float32
    line = np.full((32, 200), 255, np.uint8)
    cv2.putText(line, "Total 12.50", (4, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    x = torch.from_numpy(line).float()[None, None] / 255.0
    with torch.no_grad():
        a, b = full(x), half(x)
    assert a.argmax(-1).equal(b.argmax(-1)) and torch.allclose(a, b, atol=0.05)
    assert json.dumps(torch.load(tmp_path / "teacher.pt", weights_only=False)["config"]) == json.dumps(
        torch.load(recognizer_path, weights_only=False)["config"])

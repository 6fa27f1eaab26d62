from __future__ import annotations

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from ocr_models.recognition.model import CRNN, CRNNConfig, export_onnx
from ocr_recognition.config import Settings
from ocr_recognition.main import create_app


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """A small random-weight recognizer, exported to ONNX (what the service runs): enough to exercise the API
    without the real weights."""
    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    return export_onnx(CRNN(config), tmp_path_factory.mktemp("model") / "recognizer.onnx")


@pytest.fixture()
def client(tiny_model_path):
    settings = Settings(MODEL_PATH=tiny_model_path, MAX_LINES=5, MAX_UPLOAD_BYTES=200_000,
                        MAX_LINE_PIXELS=1_000_000, MAX_LINE_SIDE=8000)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="session")
def png():
    return make_png


def make_png(width: int = 120, height: int = 32, value: int = 255) -> bytes:
    img = np.full((height, width), value, np.uint8)
    cv2.putText(img, "Hello", (4, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    return cv2.imencode(".png", img)[1].tobytes()

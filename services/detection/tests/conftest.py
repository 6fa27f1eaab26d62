from __future__ import annotations

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from ocr_detection.config import Settings
from ocr_detection.main import create_app

from ocr_models.detection.model import CTPN, CTPNConfig, export_onnx


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """A small random-weight detector, exported to ONNX (what the service runs): enough to exercise the API
    without the real weights."""
    config = CTPNConfig(channels=(8, 8, 16, 16), stage_depths=(1, 1, 1, 1), top_dilations=(1,), rnn_hidden=8, fc=16)
    return export_onnx(CTPN(config), tmp_path_factory.mktemp("model") / "detector.onnx")


@pytest.fixture()
def app(tiny_model_path):
    return create_app(Settings(MODEL_PATH=tiny_model_path, MAX_UPLOAD_BYTES=500_000,
                               MAX_IMAGE_PIXELS=4_000_000, MAX_IMAGE_SIDE=8000))


@pytest.fixture()
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def page_png():
    img = np.full((300, 400, 3), 255, np.uint8)
    cv2.putText(img, "Total 12.50", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    return cv2.imencode(".png", img)[1].tobytes()

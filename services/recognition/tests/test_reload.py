"""New weights at MODEL_PATH (a promotion) are picked up while the service runs, without a restart."""
import time

from fastapi.testclient import TestClient

from ocr_models.recognition.model import CRNN, CRNNConfig, export_onnx
from ocr_recognition.config import Settings
from ocr_recognition.main import create_app


def _write_weights(path, seed: int) -> None:
    import torch

    torch.manual_seed(seed)
    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    export_onnx(CRNN(config), path)


def _version(client, png) -> str:
    r = client.post("/v1/recognize", files=[("images", ("l.png", png(), "image/png"))])
    assert r.status_code == 200, r.text
    return r.json()["model_version"]


def test_promoted_weights_are_served_without_a_restart(tmp_path, png):
    weights = tmp_path / "recognizer.onnx"
    _write_weights(weights, seed=1)
    settings = Settings(MODEL_PATH=weights, MODEL_RELOAD_SECONDS=0.1)
    with TestClient(create_app(settings)) as client:
        before = _version(client, png)
        queue_before = client.get("/v1/queue").json()
        _write_weights(weights, seed=2)
        deadline = time.monotonic() + 20
        while (after := _version(client, png)) == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert after != before
        # The admission queue carried over: its served count kept growing across the swap.
        assert sum(client.get("/v1/queue").json()["served"].values()) > sum(queue_before["served"].values())

        # Weights that cannot load leave the running model serving.
        weights.write_bytes(b"not a model")
        time.sleep(1.0)
        assert _version(client, png) == after

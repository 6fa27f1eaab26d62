"""REQUEST_TIMEOUT: a request that outlives it is answered 504 by the gateway (before any proxy gives up),
and its quota reservation is released."""
import asyncio
import io
import time

import httpx
import numpy as np
from fastapi import FastAPI, File, UploadFile
from fastapi.testclient import TestClient
from ocr_gateway.config import Settings
from ocr_gateway.main import create_app
from PIL import Image


def png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((40, 80, 3), 255, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def slow_detection(seconds: float) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/detect")
    async def detect(image: UploadFile = File(...)):
        await asyncio.sleep(seconds)
        return {"width": 80, "height": 40, "model_version": "d", "lines": []}
    return app


def test_a_request_past_its_deadline_is_504_from_the_gateway():
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        REQUEST_TIMEOUT=0.5, DETECTION_TIMEOUT=60, LIMIT_ANONYMOUS=True, DAILY_QUOTA=10)
    app = create_app(settings)
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(slow_detection(5)))
        started = time.monotonic()
        r = client.post("/v1/ocr", files={"image": ("a.png", png(), "image/png")})
        took = time.monotonic() - started
        assert (r.status_code, r.json()["error"]) == (504, "request_timeout"), r.text
        assert 0.4 < took < 3.0
        assert s.usage.used_today("anonymous") == 0 and s.outbox.pending() == 0   # nothing counted, nothing queued
        assert client.get("/healthz").status_code == 200

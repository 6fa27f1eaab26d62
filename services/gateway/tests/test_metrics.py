"""The gateway's /metrics: the figures move with what happens (an upload with the broker unreachable waits in
the outbox; requests are counted by route template and status)."""
import io
import time

import httpx
import numpy as np
from fastapi import FastAPI, File, UploadFile
from fastapi.testclient import TestClient
from ocr_gateway.config import Settings
from ocr_gateway.main import create_app
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families


def scrape(client: TestClient) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of one scrape."""
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def peers() -> tuple[FastAPI, FastAPI]:
    detection, recognition = FastAPI(), FastAPI()

    @detection.post("/v1/detect")
    async def detect(image: UploadFile = File(...)):
        w, h = Image.open(io.BytesIO(await image.read())).size
        return {"width": w, "height": h, "model_version": "det-test",
                "lines": [{"points": [[2, 2], [w - 2, 2], [w - 2, h - 2], [2, h - 2]], "score": 0.9}]}

    @recognition.post("/v1/recognize")
    async def recognize(images: list[UploadFile] = File(...)):
        return {"model_version": "rec-test", "lines": [{"text": "TOTAL", "confidence": 0.97} for _ in images]}

    return detection, recognition


def png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((60, 200, 3), 255, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_an_upload_while_the_broker_is_unreachable_raises_the_outbox_gauges():
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F")
    app = create_app(settings)
    detection, recognition = peers()
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(detection))
        s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(recognition))
        before = scrape(client)
        assert before[("ocrmesh_outbox_rows", ())] == 0 and before[("ocrmesh_outbox_bytes", ())] == 0
        assert before[("ocrmesh_outbox_relay_connected", ())] == 0       # port 1: nothing listens
        assert before[("ocrmesh_decode_running", ())] == 0 and before[("ocrmesh_decode_waiting", ())] == 0

        r = client.post("/v1/ocr", files={"image": ("a.png", png(), "image/png")})
        assert r.status_code == 200, r.text
        assert client.get(f"/v1/ocr/{'0' * 8}-0000-0000-0000-{'0' * 12}/nothing").status_code == 404
        time.sleep(1.1)   # the backlog is read at most once a second
        after = scrape(client)

    rows, size = s.outbox.backlog()
    assert rows == 2 and after[("ocrmesh_outbox_rows", ())] == 2          # the image and its data
    assert after[("ocrmesh_outbox_bytes", ())] == size > len(png())
    assert after[("ocrmesh_decode_served_total", (("priority", "normal"),))] == 1
    ocr = ("ocrmesh_http_requests_total", (("method", "POST"), ("route", "/v1/ocr"), ("status", "200")))
    assert before.get(ocr, 0) == 0 and after[ocr] == 1
    # unknown paths are one label, not one per path
    assert after[("ocrmesh_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    assert after[("ocrmesh_http_request_duration_seconds_count", (("method", "POST"), ("route", "/v1/ocr")))] == 1
    assert after[("process_resident_memory_bytes", ())] > 0


def test_metrics_stay_open_with_authentication_on_and_leave_the_openapi_document_alone():
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        AUTH_ENABLED=True, JWT_SECRET="x" * 32, JWT_ISSUER="test", JWT_AUDIENCE="ocrmesh")  # secret-scan: allow
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.post("/v1/ocr", files={"image": ("a.png", png(), "image/png")}).status_code == 401
        samples = scrape(client)
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]
    assert samples[("ocrmesh_http_requests_total", (("method", "POST"), ("route", "/v1/ocr"), ("status", "401")))] == 1

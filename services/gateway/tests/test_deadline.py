"""REQUEST_TIMEOUT: a request that outlives it is answered 504 by the gateway (before any proxy gives up),
and its quota reservation and idempotency claim are released, even when the deadline comes while they are being
written; a request whose deadline comes while it stores what it read is answered with what it stored."""
import asyncio
import hashlib
import io
import time
from contextlib import contextmanager

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


@contextmanager
def gateway(request_timeout: float, detection_seconds: float = 5):
    """(test client, the app's services) of a gateway whose detection takes `detection_seconds` (by default longer
    than the deadline) and finds no lines."""
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        REQUEST_TIMEOUT=request_timeout, DETECTION_TIMEOUT=60, LIMIT_ANONYMOUS=True, DAILY_QUOTA=10)
    app = create_app(settings)
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(slow_detection(detection_seconds)))
        yield client, s


def slowed(write, seconds: float):
    """`write` (a store's method, run in a worker thread) after `seconds` of sleep: past a shorter deadline."""
    def slow(*args, **kwargs):
        time.sleep(seconds)
        return write(*args, **kwargs)
    return slow


def test_a_request_past_its_deadline_is_504_from_the_gateway():
    with gateway(request_timeout=0.5) as (client, s):
        started = time.monotonic()
        r = client.post("/v1/ocr", files={"image": ("a.png", png(), "image/png")})
        took = time.monotonic() - started
        assert (r.status_code, r.json()["error"]) == (504, "request_timeout"), r.text
        assert 0.4 < took < 3.0
        assert s.usage.used_today("anonymous") == 0 and s.outbox.pending() == 0   # nothing counted, nothing queued
        assert client.get("/healthz").status_code == 200


def test_a_deadline_that_passes_while_the_quota_is_reserved_releases_it():
    """The reservation is written in a worker thread, which goes on after the deadline has cancelled the request:
    the row it writes must be released all the same."""
    with gateway(request_timeout=0.3) as (client, s):
        s.usage.reserve = slowed(s.usage.reserve, 0.6)
        r = client.post("/v1/ocr", files={"image": ("a.png", png(), "image/png")})
        assert (r.status_code, r.json()["error"]) == (504, "request_timeout"), r.text
        time.sleep(0.6)   # the reservation's thread has written its row by now
        assert s.usage.used_today("anonymous") == 0


def test_a_deadline_that_passes_while_an_idempotency_key_is_claimed_frees_the_key():
    """Else a retry with the same key would be told 409 (still running) until the claim went stale."""
    upload, key = png(), f"deadline-{time.time_ns()}"
    with gateway(request_timeout=0.3) as (client, s):
        claim = s.idempotency.claim
        s.idempotency.claim = slowed(claim, 0.6)
        r = client.post("/v1/ocr", files={"image": ("a.png", upload, "image/png")}, headers={"Idempotency-Key": key})
        assert (r.status_code, r.json()["error"]) == (504, "request_timeout"), r.text
        time.sleep(0.6)   # the claim's thread has written its row by now
        assert claim("anonymous", key, hashlib.sha256(upload).hexdigest()).state == "new"


def test_a_deadline_that_passes_while_the_upload_is_stored_answers_what_was_stored():
    """Past the deadline the page is in the outbox all the same: a 504 would have the client retry and store it twice.
    The request goes on to its answer; its quota counts it and its idempotency key replays it."""
    upload, key = png(), f"storing-{time.time_ns()}"
    with gateway(request_timeout=0.5, detection_seconds=0) as (client, s):
        s.outbox.add_many = slowed(s.outbox.add_many, 1.0)
        started = time.monotonic()
        r = client.post("/v1/ocr", files={"image": ("a.png", upload, "image/png")}, headers={"Idempotency-Key": key})
        assert r.status_code == 200, r.text
        assert time.monotonic() - started > 1.0   # answered past its deadline, once stored
        assert s.outbox.pending() == 2   # the upload and its data, once (the broker here is unreachable)
        assert s.usage.used_today("anonymous") == 1
        again = client.post("/v1/ocr", files={"image": ("a.png", upload, "image/png")}, headers={"Idempotency-Key": key})
        assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == r.json()
        assert s.outbox.pending() == 2


def test_a_request_still_reading_at_its_deadline_is_cut_off_before_it_stores():
    """The deadline is lifted only once storing begins: a slow detection still ends in 504, with nothing stored."""
    with gateway(request_timeout=0.5, detection_seconds=1.0) as (client, s):
        r = client.post("/v1/ocr", files={"image": ("a.png", png(), "image/png")})
        assert (r.status_code, r.json()["error"]) == (504, "request_timeout"), r.text
        time.sleep(0.8)   # where the detection would have answered and the page been stored
        assert s.outbox.pending() == 0 and s.usage.used_today("anonymous") == 0


def test_a_correction_whose_deadline_passes_while_it_is_queued_is_accepted():
    with gateway(request_timeout=0.5, detection_seconds=0) as (client, s):
        rid = client.post("/v1/ocr", files={"image": ("a.png", png(), "image/png")}).json()["request_id"]
        s.outbox.add_many = slowed(s.outbox.add_many, 1.0)
        r = client.post(f"/v1/ocr/{rid}/corrections", json={"text": "corrected"})
        assert r.status_code == 202, r.text
        assert s.outbox.pending() == 3   # the upload, its data and the correction, once

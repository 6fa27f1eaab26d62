"""Idempotency-Key on POST /v1/ocr: a retry gets the first answer, stored once (counted in the outbox and the
quota, which would see a second upload), per owner, on any replica."""
import io
import time
from datetime import timedelta

import httpx
import jwt
import numpy as np
from fastapi import FastAPI, File, UploadFile
from fastapi.responses import Response
from fastapi.testclient import TestClient
from ocr_gateway.config import Settings
from ocr_gateway.idempotency import IdempotencyStore
from ocr_gateway.main import create_app
from PIL import Image

SECRET, ISSUER, AUDIENCE = "s" * 48, "https://id.example.test/", "ocrmesh"


def png(shade: int = 255) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((40, 80, 3), shade, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def peers(fail: list) -> tuple[FastAPI, FastAPI]:
    detection, recognition = FastAPI(), FastAPI()

    @detection.post("/v1/detect")
    async def detect(image: UploadFile = File(...)):
        if fail:
            fail.pop()
            return Response(status_code=500)   # a broken peer: a 502 for the caller
        return {"width": 80, "height": 40, "model_version": "d",
                "lines": [{"points": [[2, 2], [78, 2], [78, 38], [2, 38]], "score": 0.9}]}

    @recognition.post("/v1/recognize")
    async def recognize(images: list[UploadFile] = File(...)):
        return {"model_version": "r", "lines": [{"text": "HELLO", "confidence": 0.99} for _ in images]}
    return detection, recognition


def bearer(sub: str) -> dict:
    claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


def gateway(fail: list | None = None):
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        AUTH_ENABLED=True, JWT_SECRET=SECRET, JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE, DAILY_QUOTA=100)
    app = create_app(settings)
    detection, recognition = peers(fail if fail is not None else [])
    client = TestClient(app)
    client.__enter__()
    s = app.state.services
    s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(detection))
    s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(recognition))
    return client, s


def post(client, image: bytes, headers: dict):
    return client.post("/v1/ocr", files={"image": ("a.png", image, "image/png")}, headers=headers)


def test_a_retry_with_the_same_key_answers_the_first_result_once():
    (a, s), (b, _) = gateway(), gateway()          # two replicas on one database
    try:
        alice = bearer("alice") | {"Idempotency-Key": "upload-7f3a"}
        first = post(a, png(), alice)
        again = post(b, png(), alice)              # the retry lands on the other replica
        assert first.status_code == again.status_code == 200, (first.text, again.text)
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert len(s.outbox.oldest()) == 2          # one image + its data: the upload was queued once
        assert s.usage.used_today("alice") == 1     # and counted once
        r = post(b, png(0), alice)                  # the same key, another upload
        assert (r.status_code, r.json()["error"]) == (422, "idempotency_key_reused")
        bob = post(a, png(), bearer("bob") | {"Idempotency-Key": "upload-7f3a"})   # keys are per owner
        assert bob.status_code == 200 and bob.json()["request_id"] != first.json()["request_id"]
        plain = [post(a, png(), bearer("carol")).json()["request_id"] for _ in range(2)]
        assert plain[0] != plain[1]                 # without a key, each request runs
        assert post(a, png(), bearer("alice") | {"Idempotency-Key": "bad key"}).status_code == 422
    finally:
        a.__exit__(None, None, None)
        b.__exit__(None, None, None)


def test_a_failed_request_frees_its_key():
    client, s = gateway(fail=[True])
    try:
        headers = bearer("alice") | {"Idempotency-Key": "k1"}
        assert post(client, png(), headers).status_code == 502
        retry = post(client, png(), headers)
        assert retry.status_code == 200 and "idempotent-replayed" not in retry.headers
        assert post(client, png(), headers).json() == retry.json()
    finally:
        client.__exit__(None, None, None)


def test_a_key_in_flight_is_409_until_its_replica_is_presumed_dead(engine):
    store = IdempotencyStore(engine, running_for=timedelta(seconds=1))
    assert store.claim("alice", "k", "f1").state == "new"
    assert store.claim("alice", "k", "f1").state == "running"       # the first is still running
    assert store.claim("alice", "k", "f2").state == "mismatch"
    time.sleep(1.2)                                                 # its deadline passed: the replica died
    assert store.claim("alice", "k", "f1").state == "new"
    store.finish("alice", "k", {"request_id": "r1"})
    assert store.claim("alice", "k", "f1").response == {"request_id": "r1"}
    expired = IdempotencyStore(engine, ttl=timedelta(0))
    assert expired.prune() == 1 and store.claim("alice", "k", "f1").state == "new"

"""Gateway routes with stand-in peers (the end-to-end tests run the real services)."""
import io
import json
import struct
import zlib

import httpx
import numpy as np
import pytest
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from ocr_gateway.config import Settings
from ocr_gateway.main import create_app
from PIL import Image


def fake_detection() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/detect")
    async def detect(image: UploadFile = File(...)):
        img = Image.open(io.BytesIO(await image.read()))
        w, h = img.size
        return {"width": w, "height": h, "model_version": "det-test",
                "lines": [{"points": [[2, 2], [w - 2, 2], [w - 2, h // 2], [2, h // 2]], "score": 0.9},
                          {"points": [[2, h // 2], [w // 2, h // 2], [w // 2, h - 2], [2, h - 2]], "score": 0.8}]}
    return app


def fake_recognition() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/recognize")
    async def recognize(images: list[UploadFile] = File(...)):
        sizes = [Image.open(io.BytesIO(await f.read())).size for f in images]
        return {"model_version": "rec-test", "lines": [{"text": f"w{w} h{h}", "confidence": 0.5} for w, h in sizes]}
    return app


def png_bytes(w=200, h=100) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((h, w, 3), 255, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture()
def gateway(tmp_path):
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        OUTBOX_PATH=tmp_path / "outbox.sqlite3", MAX_UPLOAD_BYTES=2_000_000, MAX_IMAGE_PIXELS=4_000_000,
                        ORIENTATION=False)   # the stand-in models answer a fixed number of lines
    app = create_app(settings)
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(fake_detection()))
        s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(fake_recognition()))
        yield client, s


def test_ocr_answers_lines_and_text_and_queues_image_and_data(gateway):
    client, s = gateway
    r = client.post("/v1/ocr", files={"image": ("a.png", png_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["width"], body["height"]) == (200, 100)
    assert [ln["text"] for ln in body["lines"]] == [line["text"] for line in body["lines"]]
    assert body["text"] == "\n".join(ln["text"] for ln in body["lines"])
    # Each line was cropped from the image (with a margin) before recognition.
    assert body["lines"][0]["text"].startswith("w2") and len(body["lines"]) == 2
    queued = s.outbox.oldest()
    assert [m.queue for m in queued] == ["imageQueue", "imageDataQueue"]
    assert all(m.headers["request_id"] == body["request_id"] for m in queued)
    assert queued[0].body == png_bytes() and queued[0].content_type == "application/octet-stream"
    data = json.loads(queued[1].body)
    assert data["models"] == {"detection": "det-test", "recognition": "rec-test"}
    assert [ln["index"] for ln in data["lines"]] == [0, 1] and data["lines"][0]["start_x"] == 2


def test_a_page_with_more_lines_than_recognition_takes_is_read_in_chunks(tmp_path):
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        OUTBOX_PATH=tmp_path / "outbox.sqlite3", RECOGNITION_MAX_LINES=1, ORIENTATION=False)
    recognition = FastAPI()

    @recognition.post("/v1/recognize")
    async def recognize(images: list[UploadFile] = File(...)):
        if len(images) > 1:   # this recognizer's MAX_LINES is 1
            return JSONResponse({"error": "too_many_lines", "detail": "the limit is 1"}, status_code=413)
        w, h = Image.open(io.BytesIO(await images[0].read())).size
        return {"model_version": "rec-test", "lines": [{"text": f"w{w} h{h}", "confidence": 0.5}]}

    app = create_app(settings)
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(fake_detection()))
        s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(recognition))
        r = client.post("/v1/ocr", files={"image": ("a.png", png_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    assert [ln["text"][:2] for ln in r.json()["lines"]] == ["w2", "w1"]   # the wide top line first, in order


def test_boxes_read_as_nothing_or_while_guessing_are_left_out(gateway):
    client, s = gateway
    app = FastAPI()

    @app.post("/v1/recognize")
    async def recognize(images: list[UploadFile] = File(...)):
        read = [("TOTAL 12.15", 0.93), ("%+x%", 0.31), ("  ", 0.9)]
        return {"model_version": "rec-test", "lines": [{"text": t, "confidence": c} for t, c in read[:len(images)]]}

    s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(app))
    body = client.post("/v1/ocr", files={"image": ("a.png", png_bytes(), "image/png")}).json()
    assert [ln["text"] for ln in body["lines"]] == ["TOTAL 12.15"] and body["text"] == "TOTAL 12.15"
    data = json.loads(s.outbox.oldest()[1].body)
    assert [(ln["index"], ln["text"]) for ln in data["lines"]] == [(0, "TOTAL 12.15")]


def bomb() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("payload,status,code", [
    (b"", 400, "empty_file"),
    (b"hello, I am text", 415, "unsupported_media_type"),
    (png_bytes()[:80], 400, "invalid_image"),
    (bomb(), 413, "image_too_large"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 2_100_000, 413, "file_too_large"),
])
def test_bad_uploads_are_refused_with_json(gateway, payload, status, code):
    client, s = gateway
    r = client.post("/v1/ocr", files={"image": ("x.png", payload, "image/png")})
    assert (r.status_code, r.json()["error"]) == (status, code)
    assert s.outbox.pending() == 0


def test_wrong_field_is_422(gateway):
    client, _ = gateway
    r = client.post("/v1/ocr", files={"file": ("x.png", png_bytes(), "image/png")})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_peer_down_is_502_and_nothing_is_queued(gateway):
    client, s = gateway
    s.detection.http = httpx.AsyncClient(base_url="http://127.0.0.1:1", transport=httpx.AsyncHTTPTransport(retries=1))
    r = client.post("/v1/ocr", files={"image": ("a.png", png_bytes(), "image/png")})
    assert (r.status_code, r.json()["error"]) == (502, "upstream_unavailable")
    assert s.outbox.pending() == 0


def uploaded(client) -> str:
    r = client.post("/v1/ocr", files={"image": ("a.png", png_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    return r.json()["request_id"]


def test_corrections_are_queued(gateway):
    client, s = gateway
    rid = uploaded(client)
    r = client.post(f"/v1/ocr/{rid}/corrections", json={"lines": [{"index": 1, "text": "fixed"}]})
    assert r.status_code == 202 and r.json()["request_id"] == rid
    msg = s.outbox.oldest()[-1]
    assert msg.queue == "textCorrectionQueue" and json.loads(msg.body)["lines"] == [
        {"index": 1, "text": "fixed", "points": None, "deleted": False}]
    assert client.post(f"/v1/ocr/{rid}/corrections", json={}).status_code == 422
    assert client.post(f"/v1/ocr/{rid}/corrections", json={"lines": [{"index": 0, "text": "a"}, {"index": 0, "text": "b"}]}).status_code == 422
    assert client.post("/v1/ocr/not-a-uuid/corrections", json={"text": "x"}).status_code == 404


def test_corrections_carry_moved_added_and_deleted_boxes(gateway):
    client, s = gateway
    rid = uploaded(client)
    box = [[1, 2], [30, 2], [30, 12], [1, 12]]
    lines = [{"index": 0, "text": "moved", "points": box}, {"index": 1, "deleted": True}]
    assert client.post(f"/v1/ocr/{rid}/corrections", json={"lines": lines}).status_code == 202
    sent = json.loads(s.outbox.oldest()[-1].body)["lines"]
    assert sent == [{"index": 0, "text": "moved", "points": box, "deleted": False},
                    {"index": 1, "text": "", "points": None, "deleted": True}]
    for bad in ({"index": 0, "text": "x", "deleted": True}, {"index": 0, "text": "x", "points": box[:3]},
                {"index": 2**31, "text": "x"}, {"index": 0, "text": "x", "color": "red"}, {"index": 0, "text": "a\u0000b"}):
        assert client.post(f"/v1/ocr/{rid}/corrections", json={"lines": [bad]}).status_code == 422, bad
    # NUL cannot be stored (PostgreSQL text): refused here instead of dead-lettered after a 202.
    assert client.post(f"/v1/ocr/{rid}/corrections", json={"text": "a\u0000b"}).status_code == 422


def test_a_correction_of_a_result_that_does_not_exist_is_404_with_auth_off(gateway):
    """The image-store keeps a correction for any id (it may come before the image's data): the gateway
    must not send one for a result nobody uploaded, or an empty image row appears."""
    client, s = gateway
    stored = "6f1d8a44-44f4-4a3c-9d59-0d2b3f1f7f12"   # older than this gateway's ledger: only the store knows it
    store = FastAPI()

    @store.get("/v1/images/{image_id}")
    def one(image_id: str):
        if image_id != stored:
            return JSONResponse({"error": "not_found", "detail": "no"}, status_code=404)
        return {"id": image_id, "owner": None, "text": "t", "lines": [], "corrections": []}

    s.imagestore.http = httpx.AsyncClient(base_url="http://image-store", transport=httpx.ASGITransport(store))
    queued = s.outbox.pending()
    unknown = "6f1d8a44-44f4-4a3c-9d59-0d2b3f1f7f13"
    r = client.post(f"/v1/ocr/{unknown}/corrections", json={"text": "x"})
    assert (r.status_code, r.json()["error"]) == (404, "not_found")
    assert client.post("/correct-text", json={"id": unknown, "text": "x"}).status_code == 404
    assert s.outbox.pending() == queued
    assert client.post(f"/v1/ocr/{stored}/corrections", json={"text": "x"}).status_code == 202
    # A fresh upload is known from the ledger at once, before the image-store has stored it.
    assert client.post(f"/v1/ocr/{uploaded(client)}/corrections", json={"text": "x"}).status_code == 202
    assert s.outbox.pending() == queued + 4   # the stored one's correction, the upload's image and data, its correction


def test_original_contract(gateway):
    client, s = gateway
    r = client.post("/read", files={"image": ("a.png", png_bytes(1200, 1100), "image/png")})  # no 1000-px limit
    assert r.status_code == 200 and set(r.json()) == {"id", "text"}
    full = client.post("/v1/ocr", files={"image": ("a.png", png_bytes(1200, 1100), "image/png")}).json()
    assert r.json()["text"] == " ".join(ln["text"] for ln in full["lines"])  # lines joined by one space
    bad = client.post("/read", files={"other": ("a.png", png_bytes(), "image/png")})
    assert bad.status_code == 400 and set(bad.json()) == {"timestamp", "error"}
    notimg = client.post("/read", files={"image": ("a.png", b"nope", "image/png")})
    assert notimg.status_code == 415 and "error" in notimg.json()
    ok = client.post("/correct-text", json={"id": r.json()["id"], "text": "corrected"})
    assert ok.status_code == 202 and ok.content == b""
    assert client.post("/correct-text", json={"id": r.json()["id"]}).status_code == 400
    health = client.get("/health")
    assert health.status_code == 200 and health.content == b""


def test_search_passes_the_query_on_and_its_errors_back(gateway):
    client, s = gateway
    seen = []
    store = FastAPI()

    @store.get("/v1/search")
    def search(request: Request):
        seen.append(dict(request.query_params))
        if request.query_params["q"] == '"open':
            return JSONResponse({"error": "invalid_query", "detail": "a quote is not closed"}, status_code=422)
        hit = {"request_id": "r1", "owner": None, "created_at": "2026-03-14T23:59:30+00:00", "snippet": "TOTAL 8.20",
               "highlights": [[0, 5]], "score": 1.2, "lines": [{"index": 3, "text": "TOTAL 8.20", "points": [[1, 2], [3, 2], [3, 4], [1, 4]]}]}
        return {"items": [hit], "next_cursor": "c2"}

    s.imagestore.http = httpx.AsyncClient(base_url="http://image-store", transport=httpx.ASGITransport(store))
    r = client.get("/v1/search", params={"q": "total", "limit": 5, "cursor": "c1"})
    assert r.status_code == 200 and seen[-1] == {"q": "total", "limit": "5", "cursor": "c1"}   # auth off: no owner
    assert r.json() == {"items": [{"request_id": "r1", "created_at": "2026-03-14T23:59:30Z", "snippet": "TOTAL 8.20",
                                   "highlights": [[0, 5]], "score": 1.2,
                                   "lines": [{"index": 3, "text": "TOTAL 8.20", "points": [[1, 2], [3, 2], [3, 4], [1, 4]]}]}],
                        "next_cursor": "c2"}
    r = client.get("/v1/search", params={"q": '"open'})
    assert (r.status_code, r.json()) == (422, {"error": "invalid_query", "detail": "a quote is not closed"})
    calls = len(seen)
    for params in ({}, {"q": ""}, {"q": "x" * 257}, {"q": "total", "limit": 101}):
        r = client.get("/v1/search", params=params)
        assert (r.status_code, r.json()["error"]) == (422, "invalid_request"), params
    assert len(seen) == calls, "refused before the image-store is asked"
    s.imagestore.http = httpx.AsyncClient(base_url="http://127.0.0.1:1", transport=httpx.AsyncHTTPTransport(retries=0))
    r = client.get("/v1/search", params={"q": "total"})
    assert (r.status_code, r.json()["error"]) == (502, "upstream_unavailable")

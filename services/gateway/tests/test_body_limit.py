"""Request bodies over the limit are refused with 413 JSON before they are spooled: from Content-Length without
reading a byte, and a chunked body as soon as it passes the limit. The app is called as ASGI directly, so the test
sees exactly how much of the body it pulled."""
import asyncio
import json

import pytest
from ocr_gateway.config import Settings
from ocr_gateway.main import create_app

LIMIT = 200_000


def settings() -> Settings:
    return Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                    IMAGESTORE_URL="http://image-store", MAX_UPLOAD_BYTES=LIMIT - 1024 * 1024 // 8,
                    MAX_REQUEST_BYTES=LIMIT)


def call(app, headers: dict[str, str], chunks: int, chunk: int = 16_384, path: str = "/v1/ocr") -> tuple[int, dict, int]:
    """(status, JSON body, body bytes the app pulled) for a POST of `chunks` chunks."""
    pulled, sent = 0, []

    async def receive():
        nonlocal pulled
        if pulled >= chunks * chunk:
            return {"type": "http.request", "body": b"", "more_body": False}
        body = (PART_HEAD if pulled == 0 else b"").ljust(chunk, b"x")
        pulled += chunk
        return {"type": "http.request", "body": body, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8080),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


MULTIPART = "multipart/form-data; boundary=xyz"
PART_HEAD = b'--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'


def test_a_declared_length_over_the_limit_is_refused_unread():
    status, body, pulled = call(create_app(settings()), {"content-type": MULTIPART, "content-length": str(50 * LIMIT)},
                                chunks=50 * LIMIT // 16_384)
    assert (status, body["error"], pulled) == (413, "request_too_large", 0)
    assert str(LIMIT) in body["detail"]


@pytest.mark.parametrize(("content_type", "path"), [
    (MULTIPART, "/v1/ocr"), ("application/json", "/v1/ocr/0b8a3f1e-7d7a-4a51-9d83-5c3f4e1b2a10/corrections")])
def test_a_chunked_body_is_cut_where_it_passes_the_limit(content_type, path):
    status, body, pulled = call(create_app(settings()), {"content-type": content_type, "transfer-encoding": "chunked"},
                                chunks=1000, path=path)     # 16 MB offered
    assert (status, body["error"]) == (413, "request_too_large")
    assert LIMIT < pulled <= LIMIT + 16_384


def test_the_default_limit_leaves_room_for_the_largest_upload():
    s = Settings(DETECTION_URL="http://d", RECOGNITION_URL="http://r", IMAGESTORE_URL="http://i")
    assert s.request_body_limit == s.MAX_UPLOAD_BYTES + 1024 * 1024

import asyncio

import httpx
import pytest
from ocr_gateway.clients import DetectionClient, RecognitionClient

from ocr_common.admission import Priority
from ocr_common.errors import ApiError


def client_with(cls, handler):
    c = cls("detection", "http://peer", timeout=1.0, connect_timeout=0.5, retries=0)
    c.http = httpx.AsyncClient(base_url="http://peer", transport=httpx.MockTransport(handler))
    return c


def call(coro):
    return asyncio.run(coro)


def raises(status, code, coro):
    with pytest.raises(ApiError) as info:
        call(coro)
    assert (info.value.status, info.value.code) == (status, code)


def test_timeout_is_504():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)
    raises(504, "upstream_timeout", client_with(DetectionClient, handler).detect(b"x", "image/png"))


def test_connection_refused_is_502_and_logged(caplog):
    def handler(request):
        raise httpx.ConnectError("refused", request=request)
    raises(502, "upstream_unavailable", client_with(DetectionClient, handler).detect(b"x", "image/png"))
    # The log says why (the answer only names the error's class): an operator can tell a stale connection from a crash.
    assert "POST /v1/detect: the detection service is unavailable: ConnectError('refused')" in caplog.text


def test_peer_failure_and_garbage_are_502_and_logged(caplog):
    raises(502, "upstream_error", client_with(DetectionClient, lambda r: httpx.Response(500, text="boom")).detect(b"x", "image/png"))
    assert "the detection service answered HTTP 500: boom" in caplog.text
    raises(502, "upstream_error",
           client_with(DetectionClient, lambda r: httpx.Response(200, json={"unexpected": 1})).detect(b"x", "image/png"))
    assert "the detection service sent an answer that is not a DetectResponse" in caplog.text


def test_peer_rejection_is_passed_on():
    resp = httpx.Response(413, json={"error": "image_too_large", "detail": "too big"})
    raises(413, "image_too_large", client_with(DetectionClient, lambda r: resp).detect(b"x", "image/png"))


def test_recognition_sends_every_crop_in_order():
    seen = {}

    def handler(request):
        seen["body"] = request.content
        return httpx.Response(200, json={"lines": [{"text": "a", "confidence": 0.9}, {"text": "b", "confidence": 0.8}],
                                         "model_version": "m"})
    out = call(client_with(RecognitionClient, handler).recognize([b"AAA", b"BBB"]))
    assert [ln.text for ln in out.lines] == ["a", "b"]
    assert seen["body"].index(b"AAA") < seen["body"].index(b"BBB")


def test_recognition_sends_a_long_page_in_chunks_of_its_limit_and_joins_them_in_order():
    """Recognition refuses more than its MAX_LINES crops per request (413); a page may have more lines."""
    sizes = []

    def handler(request):
        crops = [part.split(b"\r\n\r\n", 1)[1].split(b"\r\n", 1)[0] for part in request.content.split(b"; name=\"images\"")[1:]]
        sizes.append(len(crops))
        if len(crops) > 512:
            return httpx.Response(413, json={"error": "too_many_lines", "detail": "the limit is 512"})
        return httpx.Response(200, json={"lines": [{"text": c.decode(), "confidence": 0.9} for c in crops],
                                         "model_version": "m"})
    crops = [f"L{i}".encode() for i in range(1100)]
    out = call(client_with(RecognitionClient, handler).recognize(crops))
    assert sizes == [512, 512, 76]
    assert [ln.text for ln in out.lines] == [c.decode() for c in crops] and out.model_version == "m"
    small = RecognitionClient("recognition", "http://peer", timeout=1.0, connect_timeout=0.5, retries=0, max_lines=3)
    small.http = httpx.AsyncClient(base_url="http://peer", transport=httpx.MockTransport(handler))
    assert len(call(small.recognize(crops[:7])).lines) == 7 and sizes[-3:] == [3, 3, 1]


def test_recognition_answer_with_missing_lines_is_502():
    answer = httpx.Response(200, json={"lines": [{"text": "a", "confidence": 0.9}], "model_version": "m"})
    raises(502, "upstream_error", client_with(RecognitionClient, lambda r: answer).recognize([b"A", b"B"]))


def test_a_page_of_line_images_goes_out_as_one_body_chunk():
    """httpx streams a multipart body part by part, and each part cost a socket write of its own (docs/performance.md):
    the client hands the transport the whole body at once."""
    chunks = []

    class Recording(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            chunks.extend([c async for c in request.stream])
            return httpx.Response(200, json={"lines": [{"text": "a", "confidence": 0.9}] * 50, "model_version": "m"})

    client = client_with(RecognitionClient, None)
    client.http = httpx.AsyncClient(base_url="http://peer", transport=Recording())
    assert len(call(client.recognize([b"BM" + bytes(100)] * 50)).lines) == 50
    assert len(chunks) == 1 and chunks[0].count(b"BM" + bytes(100)) == 50


def test_model_calls_carry_their_priority_and_their_pages_place_in_line():
    seen = []

    def handler(request):
        seen.append((request.url.path, request.headers.get("x-priority"), request.headers.get("x-queued-since")))
        if request.url.path == "/v1/detect":
            return httpx.Response(200, json={"lines": [], "width": 10, "height": 10, "model_version": "d"})
        return httpx.Response(200, json={"lines": [{"text": "a", "confidence": 0.9}], "model_version": "m"})
    call(client_with(DetectionClient, handler).detect(b"x", "image/bmp", Priority.HIGH, since=1765090000.5))
    call(client_with(RecognitionClient, handler).recognize([b"A"], Priority.NORMAL, 1765090001.25))
    call(client_with(RecognitionClient, handler).recognize([b"A"]))
    assert seen == [("/v1/detect", "high", "1765090000.500000"), ("/v1/recognize", "normal", "1765090001.250000"),
                    ("/v1/recognize", "normal", None)]

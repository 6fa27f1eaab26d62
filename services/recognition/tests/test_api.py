import io
import struct
import zlib

import cv2
import numpy as np
from PIL import Image


def test_health_and_readiness(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"model_loaded": True}


def test_recognize_answers_one_line_per_image_in_order(client, png):
    files = [("images", (f"l{i}.png", png(60 + 40 * i), "image/png")) for i in range(3)]
    r = client.post("/v1/recognize", files=files)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["lines"]) == 3
    assert all(0.0 <= ln["confidence"] <= 1.0 and isinstance(ln["text"], str) for ln in body["lines"])
    for ln in body["lines"]:   # the words are the line's text split at spaces, left to right inside the image
        assert [w["text"] for w in ln["words"]] == ln["text"].split()
        assert all(0.0 <= w["x0"] <= w["x1"] <= 1.0 for w in ln["words"])
    assert body["model_version"].startswith("recognizer-")


def test_formats_are_sniffed_not_taken_from_the_name(client):
    img = Image.new("RGBA", (90, 30), (255, 255, 255, 0))
    for fmt in ("JPEG", "WEBP", "TIFF", "BMP", "PNG"):
        buf = io.BytesIO()
        (img.convert("RGB") if fmt in ("JPEG", "BMP") else img).save(buf, fmt)
        r = client.post("/v1/recognize", files=[("images", ("line.txt", buf.getvalue(), "text/plain"))])
        assert r.status_code == 200, (fmt, r.text)


def test_extract_orders_fields_numerically(client, png):
    # Different widths give different outputs with the same model; compare against /v1/recognize.
    images = {i: png(50 + 37 * i) for i in range(12)}
    files = [(f"image{i}", (f"x{i}.png", images[i], "image/png")) for i in (10, 2, 11, 0, 1, 3, 4, 5, 6, 7, 8, 9)]
    r = client.post("/extract", files=files)
    assert r.status_code == 413  # MAX_LINES is 5 in the test settings
    files = [(f"image{i}", (f"x{i}.png", images[i], "image/png")) for i in (4, 0, 3, 1, 2)]
    tokens = client.post("/extract", files=files).json()["tokens"]
    ordered = [("images", (f"x{i}.png", images[i], "image/png")) for i in range(5)]
    expected = [ln["text"] for ln in client.post("/v1/recognize", files=ordered).json()["lines"]]
    assert tokens == expected


def assert_json_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == code


def test_bad_inputs_get_clear_json_errors(client, png):
    assert_json_error(client.post("/v1/recognize", files=[("images", ("a.png", b"", "image/png"))]), 400, "empty_file")
    assert_json_error(client.post("/v1/recognize", files=[("images", ("a.png", b"%PDF-1.4 not an image", "image/png"))]),
                      415, "unsupported_media_type")
    truncated = png(400)[:60]
    assert_json_error(client.post("/v1/recognize", files=[("images", ("a.png", truncated, "image/png"))]), 400, "invalid_image")
    assert_json_error(client.post("/v1/recognize", files=[("images", ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000, "image/png"))]),
                      413, "file_too_large")
    too_many = [("images", (f"{i}.png", png(), "image/png")) for i in range(6)]
    assert_json_error(client.post("/v1/recognize", files=too_many), 413, "too_many_lines")
    assert_json_error(client.post("/v1/recognize", data={"x": "1"}), 422, "invalid_request")
    assert_json_error(client.post("/v1/recognize"), 422, "invalid_request")
    assert_json_error(client.post("/extract", files=[("other", ("a.png", png(), "image/png"))]), 400, "no_images")
    assert_json_error(client.post("/extract", content=b"garbage", headers={"content-type": "multipart/form-data; boundary=x"}),
                      400, "invalid_form")
    assert_json_error(client.get("/nope"), 404, "not_found")


def bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring huge dimensions, with a tiny compressed body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\0" * (width + 1) * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding(client):
    r = client.post("/v1/recognize", files=[("images", ("bomb.png", bomb_png(30000, 30000), "image/png"))])
    assert_json_error(r, 413, "image_too_large")


def test_odd_images_are_read_not_crashed_on(client):
    odd = [np.zeros((1, 1), np.uint8), np.full((5, 3000), 255, np.uint8), np.zeros((400, 8, 4), np.uint8)]
    files = [("images", (f"{i}.png", cv2.imencode(".png", im)[1].tobytes(), "image/png")) for i, im in enumerate(odd)]
    sixteen = io.BytesIO()
    Image.fromarray(np.full((20, 80), 40000, np.uint16)).save(sixteen, "PNG")
    cmyk = io.BytesIO()
    Image.new("CMYK", (80, 20), (0, 0, 0, 0)).save(cmyk, "JPEG")
    files += [("images", ("16.png", sixteen.getvalue(), "image/png")), ("images", ("c.jpg", cmyk.getvalue(), "image/jpeg"))]
    r = client.post("/v1/recognize", files=files)
    assert r.status_code == 200, r.text
    assert len(r.json()["lines"]) == 5


def test_openapi_documents_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/recognize", "/extract", "/healthz", "/readyz"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_crops_are_held_grey_at_the_models_height_and_read_as_in_process(client, png, tiny_model_path, monkeypatch):
    """A tall colour crop is held as the grey, 32-px-tall line the recognizer reads, not at full size, and reads
    exactly as the same crop given to the recognizer in-process."""
    from ocr_models.loader import load_recognizer
    from ocr_recognition.inference import RecognitionEngine

    held = []
    original = RecognitionEngine.recognize

    async def spy(self, images):
        held.extend(images)
        return await original(self, images)

    monkeypatch.setattr(RecognitionEngine, "recognize", spy)
    tall = cv2.cvtColor(cv2.resize(cv2.imdecode(np.frombuffer(png(300, 40), np.uint8), 0), (2000, 400)), cv2.COLOR_GRAY2BGR)
    short = cv2.imdecode(np.frombuffer(png(90, 20), np.uint8), cv2.IMREAD_COLOR)
    files = [("images", ("tall.png", cv2.imencode(".png", tall)[1].tobytes(), "image/png")),
             ("images", ("short.png", cv2.imencode(".png", short)[1].tobytes(), "image/png"))]
    r = client.post("/v1/recognize", files=files)
    assert r.status_code == 200, r.text
    assert [im.shape for im in held] == [(32, 160), (32, 144)]    # aspect kept, the short one enlarged
    direct = load_recognizer(tiny_model_path).recognize([tall, short])
    assert [(ln["text"], ln["confidence"]) for ln in r.json()["lines"]] == \
        [(d.text, round(d.confidence, 4)) for d in direct]

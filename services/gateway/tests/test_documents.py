"""Documents at the gateway: PDFs and multi-page TIFFs in, pages with lines and words out (stand-in peers)."""
import io
import json
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

import httpx
import numpy as np
import pytest
from fastapi import FastAPI, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from ocr_gateway.config import Settings
from ocr_gateway.main import create_app
from PIL import Image


def fake_detection() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/detect")
    async def detect(image: UploadFile = File(...), page_width: int | None = None, page_height: int | None = None):
        w, h = Image.open(io.BytesIO(await image.read())).size
        if page_width:   # a reduced copy: the answer is in the page's pixels, as the detection service answers
            w, h = page_width, page_height
        return {"width": w, "height": h, "model_version": "det-test",
                "lines": [{"points": [[100, 100], [w - 100, 100], [w - 100, 160], [100, 160]], "score": 0.9}]}
    return app


def fake_recognition() -> FastAPI:
    """Reads every line as two words, the first over the left third of the crop, the second over the right third."""
    app = FastAPI()

    @app.post("/v1/recognize")
    async def recognize(images: list[UploadFile] = File(...)):
        return {"model_version": "rec-test", "lines": [
            {"text": f"line {i}", "confidence": 0.8,
             "words": [{"text": "line", "confidence": 0.9, "x0": 0.0, "x1": 0.33},
                       {"text": str(i), "confidence": 0.7, "x0": 0.67, "x1": 1.0}]} for i in range(len(images))]}
    return app


@pytest.fixture()
def gateway(tmp_path):
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        OUTBOX_PATH=tmp_path / "outbox.sqlite3", MAX_UPLOAD_BYTES=2_000_000, MAX_IMAGE_PIXELS=4_000_000)
    app = create_app(settings)
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(fake_detection()))
        s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(fake_recognition()))
        yield client, s


def test_a_three_page_pdf_is_answered_page_by_page_with_words(gateway, text_pdf):
    client, s = gateway
    r = client.post("/v1/ocr", files={"image": ("doc.pdf", text_pdf([["one"], ["two"], ["three"]]), "application/pdf")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["page"] for p in body["pages"]] == [1, 2, 3]
    for p in body["pages"]:
        assert p["dpi"] == 200 and (abs(p["width"] - 1654) <= 1, abs(p["height"] - 2339) <= 1) == (True, True)
        (line,) = p["lines"]
        assert [w["text"] for w in line["words"]] == ["line", "0"]
        left, right = line["words"]
        # the words sit inside their line, left to right
        assert 100 <= left["points"][0][0] < left["points"][1][0] < right["points"][0][0] < right["points"][1][0] <= p["width"] - 100
        assert all(100 <= y <= 160 for _, y in left["points"])
    assert body["text"] == "line 0\fline 0\fline 0" and len(body["lines"]) == 3
    image, data = s.outbox.oldest()[:2]
    assert image.headers["content_type"] == "application/pdf" and image.body.startswith(b"%PDF-")
    stored = json.loads(data.body)
    assert [p["page"] for p in stored["pages"]] == [1, 2, 3]
    assert [(ln["index"], ln["page"], len(ln["words"])) for ln in stored["lines"]] == [(0, 1, 2), (1, 2, 2), (2, 3, 2)]


def test_an_image_stays_one_page_with_the_top_level_fields(gateway):
    client, s = gateway
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buf, "PNG")
    body = client.post("/v1/ocr", files={"image": ("a.png", buf.getvalue(), "image/png")}).json()
    assert (body["width"], body["height"], body["text"]) == (400, 300, "line 0")
    assert len(body["pages"]) == 1 and body["pages"][0]["lines"] == body["lines"] and body["pages"][0]["dpi"] is None
    assert json.loads(s.outbox.oldest()[1].body)["pages"] is None


def test_a_multi_page_tiff_is_read_page_by_page(gateway):
    client, _ = gateway
    buf = io.BytesIO()
    Image.new("L", (500, 400), 255).save(buf, "TIFF", save_all=True, append_images=[Image.new("L", (600, 300), 255)])
    body = client.post("/v1/ocr", files={"image": ("a.tif", buf.getvalue(), "image/tiff")}).json()
    assert [(p["page"], p["width"], p["height"]) for p in body["pages"]] == [(1, 500, 400), (2, 600, 300)]


@pytest.mark.parametrize("name", ["million_point_page", "ten_thousand_pages", "encrypted", "garbage", "truncated"])
def test_bad_pdfs_are_refused_quickly_with_a_json_error(gateway, bad_pdf_cases, name):
    client, s = gateway
    data, status, code = bad_pdf_cases[name]
    start = time.monotonic()
    r = client.post("/v1/ocr", files={"image": ("bad.pdf", data, "application/pdf")})
    assert (r.status_code, r.json()["error"]) == (status, code)
    assert r.json()["detail"] and time.monotonic() - start < 3.0
    assert s.outbox.oldest() == []


def stand_in_store(image_body: bytes, data: dict, corrections: list[dict]) -> FastAPI:
    """An image-store that answers what the real one stores from these two messages (its read API's shape)."""
    store = FastAPI()
    rid = data["request_id"]

    @store.get("/v1/images/{image_id}")
    def one(image_id: str):
        if image_id != rid:
            return JSONResponse({"error": "not_found", "detail": "no"}, status_code=404)
        return {"id": rid, "owner": None, "width": data["width"], "height": data["height"], "text": data["text"],
                "pages": data["pages"], "file_available": True, "corrections": corrections,
                "lines": [{k: ln[k] for k in ("index", "points", "text", "confidence", "page", "words")}
                          for ln in data["lines"]]}

    @store.get("/v1/images/{image_id}/file")
    def file(image_id: str):
        if image_id != rid:
            return JSONResponse({"error": "not_found", "detail": "no"}, status_code=404)
        return Response(image_body, media_type="application/pdf")
    return store


@pytest.fixture()
def exported(gateway, text_pdf):
    """A 3-page PDF read through the gateway, stored (stand-in), with a correction of line 1 (page 2)."""
    client, s = gateway
    rid = client.post("/v1/ocr", files={"image": ("doc.pdf", text_pdf([["one"], ["two"], ["three"]]), "application/pdf")}
                      ).json()["request_id"]
    image, data = s.outbox.oldest()[:2]
    corrections = [{"id": "7d9d4a57-0d55-4a4e-8f43-1f1d1b2a8c01", "text": "corrected words here", "line_index": 1,
                    "points": None, "deleted": False, "author": None, "created_at": "2026-11-30T10:00:00Z"}]
    s.imagestore.http = httpx.AsyncClient(base_url="http://image-store", transport=httpx.ASGITransport(
        stand_in_store(image.body, json.loads(data.body), corrections)))
    return client, rid


def test_a_stored_document_has_its_pages_and_words(exported):
    client, rid = exported
    body = client.get(f"/v1/ocr/{rid}").json()
    assert [len(p["lines"]) for p in body["pages"]] == [1, 1, 1]
    assert [w["text"] for w in body["pages"][1]["lines"][0]["words"]] == ["line", "0"]
    assert body["corrections"][0]["text"] == "corrected words here"


def test_exports_carry_the_correction(exported):
    client, rid = exported
    txt = client.get(f"/v1/ocr/{rid}/export", params={"format": "txt"})
    assert txt.status_code == 200 and txt.headers["content-type"].startswith("text/plain")
    assert txt.text.split("\f") == ["line 0\n", "corrected words here\n", "line 0\n"]
    hocr = ET.fromstring(client.get(f"/v1/ocr/{rid}/export", params={"format": "hocr"}).content)
    words = [w.text for w in hocr.iter("{http://www.w3.org/1999/xhtml}span") if w.get("class") == "ocrx_word"]
    assert words == ["line", "0", "corrected", "words", "here", "line", "0"]
    alto = ET.fromstring(client.get(f"/v1/ocr/{rid}/export", params={"format": "alto"}).content)
    assert len(alto.findall(".//{http://www.loc.gov/standards/alto/ns-v4#}Page")) == 3
    assert "attachment" in txt.headers["content-disposition"]


def test_each_page_of_a_stored_document_is_served_as_png_at_its_reading_size(exported):
    client, rid = exported
    pages = client.get(f"/v1/ocr/{rid}").json()["pages"]
    for p in pages:
        r = client.get(f"/v1/ocr/{rid}/pages/{p['page']}/image")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        img = Image.open(io.BytesIO(r.content))
        assert (img.format, img.size) == ("PNG", (p["width"], p["height"]))   # the result's points fit it
        # the page's own text is on it: dark pixels where its line was written
        assert np.asarray(img.convert("L"))[80 * 200 // 72: 110 * 200 // 72].min() < 100
    past = client.get(f"/v1/ocr/{rid}/pages/4/image")
    assert (past.status_code, past.json()["error"]) == (404, "not_found") and "3 pages" in past.json()["detail"]
    assert client.get(f"/v1/ocr/{rid}/pages/0/image").status_code == 422
    missing = client.get("/v1/ocr/6f1d8a44-44f4-4a3c-9d59-0d2b3f1f7f13/pages/1/image")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_exported_pdf_is_searchable_with_the_corrected_text(exported):
    client, rid = exported
    r = client.get(f"/v1/ocr/{rid}/export", params={"format": "pdf"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True).stdout.decode()
    assert [p.split() for p in text.split("\f")[:3]] == [["line", "0"], ["corrected", "words", "here"], ["line", "0"]]


def test_export_refuses_unknown_formats_and_results(exported):
    client, rid = exported
    assert client.get(f"/v1/ocr/{rid}/export", params={"format": "docx"}).status_code == 422
    missing = client.get("/v1/ocr/6f1d8a44-44f4-4a3c-9d59-0d2b3f1f7f13/export", params={"format": "txt"})
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_an_upside_down_page_is_read_upright_and_answered_on_the_page_as_given(gateway):
    """Stand-in models: the recognizer is confident only on crops whose dark half is on the left ("upright text");
    the page's band is dark on the right, so it lies upside down. The gateway asks for a second detection (on the
    page turned by 180), crops the lines upright from the page as given, and says rotation 180."""
    client, s = gateway
    page = np.full((400, 600, 3), 255, np.uint8)
    page[100:160, 100:300] = 40                          # the "text" starts light and ends dark; upside down,
    page[100:160, 300:500] = 200                         # its dark end is on the left
    detections, crops = [], []

    detect = FastAPI()

    @detect.post("/v1/detect")
    async def detect_lines(image: UploadFile = File(...)):
        w, h = Image.open(io.BytesIO(await image.read())).size
        detections.append((w, h))
        band = [[100, 100], [500, 100], [500, 160], [100, 160]] if len(detections) == 1 else \
               [[100, 240], [500, 240], [500, 300], [100, 300]]     # the same band on the page turned by 180
        return {"width": w, "height": h, "model_version": "det-test", "lines": [{"points": band, "score": 0.9}]}

    recognize = FastAPI()

    @recognize.post("/v1/recognize")
    async def read_lines(images: list[UploadFile] = File(...)):
        lines = []
        for f in images:
            crop = np.asarray(Image.open(io.BytesIO(await f.read())).convert("L"), dtype=float)
            half = crop.shape[1] // 2
            upright = crop[:, :half].mean() > crop[:, half:].mean()     # light start, dark end
            crops.append(bool(upright))
            lines.append({"text": "TOTAL", "confidence": 0.97 if upright else 0.7,
                          "words": [{"text": "TOTAL", "confidence": 0.9, "x0": 0.1, "x1": 0.9}]})
        return {"model_version": "rec-test", "lines": lines}

    s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(detect))
    s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(recognize))
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, "PNG")
    r = client.post("/v1/ocr", files={"image": ("turned.png", buf.getvalue(), "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pages"][0]["rotation"] == 180 and detections == [(600, 400), (600, 400)]
    assert body["lines"][0]["points"][0] == [500.0, 160.0]     # the text's top-left corner, at the band's bottom right
    assert crops[-1] is True                                    # the line was read upright
    assert body["lines"][0]["words"][0]["points"][0][0] < 500    # words lie along the turned line
    stored = json.loads(s.outbox.oldest()[1].body)               # the image-store keeps the turn (one page, not null)
    assert stored["pages"] == [{"page": 1, "width": 600, "height": 400, "dpi": None, "rotation": 180}]


def test_an_upright_page_read_confidently_costs_one_decode_one_detection_and_one_reading(gateway, monkeypatch):
    """The lines as read tell the page upright: no probe crops, no second detection, the page decoded once (grey),
    and detection sent the detector's reduced copy, not the upload."""
    from ocr_common.pages import Document

    client, s = gateway
    renders, detections, readings = [], [], []
    original_render = Document.render

    def render(doc, index, grey=False):
        renders.append(grey)
        return original_render(doc, index, grey)

    monkeypatch.setattr(Document, "render", render)
    detect = FastAPI()

    @detect.post("/v1/detect")
    async def detect_lines(request: Request, image: UploadFile = File(...)):
        w, h = Image.open(io.BytesIO(await image.read())).size
        detections.append((w, h, dict(request.query_params)))
        return {"width": w, "height": h, "model_version": "det-test",
                "lines": [{"points": [[40, 40 + 50 * i], [560, 40 + 50 * i], [560, 80 + 50 * i], [40, 80 + 50 * i]],
                           "score": 0.9} for i in range(3)]}

    recognize = FastAPI()

    @recognize.post("/v1/recognize")
    async def read_lines(images: list[UploadFile] = File(...)):
        readings.append(len(images))
        return {"model_version": "rec-test", "lines": [
            {"text": "TOTAL", "confidence": 0.98, "words": [{"text": "TOTAL", "confidence": 0.98, "x0": 0.1, "x1": 0.9}]}
            for _ in images]}

    s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(detect))
    s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(recognize))
    buf = io.BytesIO()
    Image.fromarray(np.full((1500, 2400, 3), 255, np.uint8)).save(buf, "PNG")
    r = client.post("/v1/ocr", files={"image": ("upright.png", buf.getvalue(), "image/png")})
    assert r.status_code == 200, r.text
    assert r.json()["pages"][0]["rotation"] == 0 and len(r.json()["lines"]) == 3
    assert (renders, readings) == ([True], [3])
    # detection gets the page as the detector reads it (long side 1600 px) and the page's size
    assert detections == [(1600, 1000, {"page_width": "2400", "page_height": "1500"})]


def test_orientation_can_be_turned_off(tmp_path):
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        OUTBOX_PATH=tmp_path / "outbox.sqlite3", ORIENTATION=False)
    app = create_app(settings)
    with TestClient(app):
        assert app.state.services.pipeline.orientation is False

"""Documents end to end through the running services (real PostgreSQL, RabbitMQ, committed models): a 3-page PDF
read into pages of lines with words, stored, exported in every format, and a correction changing the export."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import httpx
import pytest
from reliability.harness import wait_until  # bench/ is on the path (conftest)

pytestmark = pytest.mark.integration
PAGES = [["Invoice 2026-0042 from ACME Ltd", "Total due: 1,250.00 by 3 March"],
         ["Second page of the letter"],
         ["Third and last page"]]


@pytest.fixture(scope="module")
def document(mesh, text_pdf):
    gateway = mesh.url("gateway")
    r = httpx.post(f"{gateway}/v1/ocr", files={"image": ("doc.pdf", text_pdf(PAGES), "application/pdf")}, timeout=120)
    assert r.status_code == 200, r.text
    body = r.json()
    rid = body["request_id"]
    wait_until(lambda: (s := httpx.get(f"{gateway}/v1/ocr/{rid}")).status_code == 200 and s.json()["image_available"])
    return gateway, body


def export(gateway: str, rid: str, fmt: str) -> httpx.Response:
    r = httpx.get(f"{gateway}/v1/ocr/{rid}/export", params={"format": fmt}, timeout=60)
    assert r.status_code == 200, r.text
    return r


def test_a_three_page_pdf_is_read_into_pages_with_words_and_stored(document):
    gateway, body = document
    assert [p["page"] for p in body["pages"]] == [1, 2, 3]
    assert [len(p["lines"]) for p in body["pages"]] == [len(t) for t in PAGES]
    for page in body["pages"]:
        for line in page["lines"]:
            assert line["words"] and [w["text"] for w in line["words"]] == line["text"].split()
    stored = httpx.get(f"{gateway}/v1/ocr/{body['request_id']}").json()
    assert [[ln["words"] for ln in p["lines"]] for p in stored["pages"]] == \
           [[ln["words"] for ln in p["lines"]] for p in body["pages"]]
    original = httpx.get(f"{gateway}/v1/ocr/{body['request_id']}/image")
    assert original.headers["content-type"] == "application/pdf" and original.content.startswith(b"%PDF-")


def test_every_export_format_reads_back(document):
    gateway, body = document
    rid = body["request_id"]
    assert export(gateway, rid, "txt").text.split("\f") == [p["text"] + "\n" for p in body["pages"]]
    hocr = ET.fromstring(export(gateway, rid, "hocr").content)
    assert len([d for d in hocr.iter("{http://www.w3.org/1999/xhtml}div") if d.get("class") == "ocr_page"]) == 3
    alto = ET.fromstring(export(gateway, rid, "alto").content)
    strings = alto.findall(".//{http://www.loc.gov/standards/alto/ns-v4#}String")
    assert [s.get("CONTENT") for s in strings] == body["text"].split()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_a_correction_changes_the_exported_text_and_pdf(document):
    gateway, body = document
    rid = body["request_id"]
    before = export(gateway, rid, "txt").text
    r = httpx.post(f"{gateway}/v1/ocr/{rid}/corrections", json={"lines": [{"index": 2, "text": "Page two, corrected"}]})
    assert r.status_code == 202
    after = wait_until(lambda: (t := export(gateway, rid, "txt").text) != before and t)
    assert after.split("\f")[1] == "Page two, corrected\n"
    pdf = export(gateway, rid, "pdf").content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert [p.split() for p in text.split("\f")[:3]] == [p.split() for p in after.split("\f")]


def test_bad_pdfs_are_refused_with_4xx(mesh, bad_pdf_cases):
    for name, (data, status, code) in bad_pdf_cases.items():
        start = time.monotonic()
        r = httpx.post(f"{mesh.url('gateway')}/v1/ocr", files={"image": (f"{name}.pdf", data, "application/pdf")}, timeout=30)
        assert (r.status_code, r.json()["error"]) == (status, code), name
        assert time.monotonic() - start < 5, name


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_ocrmypdf_plugin_reads_through_the_gateway(mesh, text_pdf, tmp_path):
    """`ocrmypdf --plugin ocrmesh.ocrmypdf --ocrmesh-url URL`: each page image goes to the running gateway (the PDF
    already has text, so --force-ocr makes OCRmyPDF rasterize and read it again)."""
    (tmp_path / "in.pdf").write_bytes(text_pdf(PAGES[:2]))
    run = subprocess.run([sys.executable, "-m", "ocrmypdf", "--plugin", "ocrmesh.ocrmypdf", "--force-ocr",
                          "--ocrmesh-url", mesh.url("gateway"), "in.pdf", "out.pdf"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    text = subprocess.run(["pdftotext", "-raw", "out.pdf", "-"], cwd=tmp_path, capture_output=True, check=True,
                          text=True).stdout
    pages = text.split("\f")[:2]
    for page, truth in zip(pages, PAGES[:2]):
        assert sum(a != b for a, b in zip(" ".join(page.split()), " ".join(truth))) <= 3, page
        assert len(" ".join(page.split())) == len(" ".join(truth))
    recent = httpx.get(f"{mesh.url('gateway')}/v1/ocr", timeout=30).json()
    assert recent["items"], "the gateway stored the pages it read"

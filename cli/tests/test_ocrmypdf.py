"""`ocrmypdf --plugin ocrmesh.ocrmypdf`: OCRmyPDF with ocrmesh's committed models in place of Tesseract, on a PDF
made from three real dev pages; the output's text layer (pdftotext) reads like ocrmesh's own JSON of the same PDF."""
import json
import shutil
import subprocess
import sys

import img2pdf
import pytest
from rapidfuzz.distance import Levenshtein

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
DEV_PAGES = ["sroie/066.png", "tess/eurotext.png", "sroie/238.png"]
OCRMYPDF = [sys.executable, "-m", "ocrmypdf", "--plugin", "ocrmesh.ocrmypdf"]


def cer(text: str, truth: str) -> float:
    a, b = " ".join(text.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / max(len(b), 1)


def pdf_pages(path) -> list[str]:
    """The text layer per page, in the order it was written (pdftotext -raw)."""
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def document(tmp_path_factory, evaldata):
    d = tmp_path_factory.mktemp("ocrmypdf")
    images = [str(evaldata / "pages" / p) for p in DEV_PAGES]
    (d / "in.pdf").write_bytes(img2pdf.convert(images, layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))
    out = subprocess.run([sys.executable, "-m", "ocrmesh", "ocr", "in.pdf", "--format", "json"], cwd=d,
                         capture_output=True, timeout=600)
    assert out.returncode == 0, out.stderr.decode()
    return d, json.loads(out.stdout)


def test_ocrmypdf_with_the_plugin_writes_a_text_layer_that_reads_like_ocrmesh_json(document):
    d, result = document
    run = subprocess.run([*OCRMYPDF, "--jobs", "2", "in.pdf", "out.pdf"], cwd=d, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    pages = pdf_pages(d / "out.pdf")
    assert len(pages) == 3
    # OCRmyPDF rasterizes the pages itself (its pixels differ slightly from ocrmesh's rendering), so a few
    # characters differ: measured 0.0 %, 0.7 % and 3.9 % per page, 1.6 % in all.
    per_page = [cer(text, page["text"]) for text, page in zip(pages, result["pages"])]
    assert max(per_page) <= 0.06, per_page
    total = Levenshtein.distance(" ".join(" ".join(pages).split()), " ".join(result["text"].split()))
    assert total / len(" ".join(result["text"].split())) <= 0.025, per_page
    assert pages[0].startswith("PASARAYA BORONG PINTAR")


def test_the_sandwich_renderer_uses_the_plugins_text_only_pdf(document):
    d, result = document
    run = subprocess.run([*OCRMYPDF, "--pdf-renderer", "sandwich", "--pages", "2", "in.pdf", "sandwich.pdf"], cwd=d,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    pages = pdf_pages(d / "sandwich.pdf")
    assert cer(pages[1], result["pages"][1]["text"]) <= 0.03


def test_a_gateway_url_that_is_not_http_is_refused(document):
    d, _ = document
    run = subprocess.run([*OCRMYPDF, "--ocrmesh-url", "ftp://example", "in.pdf", "x.pdf"], cwd=d, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode != 0 and "--ocrmesh-url must be an http(s) URL" in run.stderr


def test_rotate_pages_asks_ocrmesh_which_way_is_up(document, evaldata):
    """A page scanned sideways: OCRmyPDF's --rotate-pages turns it by ocrmesh's answer, then it reads like upright."""
    from PIL import Image

    d, result = document
    Image.open(evaldata / "pages" / DEV_PAGES[1]).transpose(Image.Transpose.ROTATE_90).save(d / "sideways.png")
    (d / "sideways.pdf").write_bytes(img2pdf.convert([str(d / "sideways.png")],
                                                     layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))
    run = subprocess.run([*OCRMYPDF, "--rotate-pages", "sideways.pdf", "upright.pdf"], cwd=d, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert cer(pdf_pages(d / "upright.pdf")[0], result["pages"][1]["text"]) <= 0.03

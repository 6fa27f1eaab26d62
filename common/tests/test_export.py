import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from ocr_common.export import ALTO_NS, to_alto, to_hocr, to_text
from ocr_common.ocr_result import OcrLine, OcrPage, estimate_words, page_text, retext_line
from ocr_common.searchable_pdf import make_pdf

XHTML = "{http://www.w3.org/1999/xhtml}"
A = f"{{{ALTO_NS}}}"
TEXTS = [["Invoice 2026-0042 from ACME", "Total due: 1,250.00 € by 3 March"],
         ["Second page", "with “quotes” and – dashes"],
         ["Third page has one line"]]


def _line(y: float, text: str) -> OcrLine:
    quad = [[100, y], [100 + 22 * len(text), y], [100 + 22 * len(text), y + 40], [100, y + 40]]
    return OcrLine(points=quad, text=text, confidence=0.9, words=estimate_words(quad, text, 0.9))


def _pages() -> list[OcrPage]:
    pages = []
    for n, texts in enumerate(TEXTS, 1):
        lines = [_line(150 + 80 * i, t) for i, t in enumerate(texts)]
        pages.append(OcrPage(page=n, width=1240, height=1754, dpi=150, text=page_text(lines), lines=lines))
    return pages


def _inside(box: tuple[int, int, int, int], page: OcrPage) -> bool:
    x0, y0, x1, y1 = box
    return 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height


def test_text_is_the_lines_with_pages_separated_by_a_form_feed():
    text = to_text(_pages())
    assert text.split("\f") == ["\n".join(t) + "\n" for t in TEXTS]


def test_hocr_parses_as_xhtml_with_every_word_boxed_inside_its_page():
    pages = _pages()
    root = ET.fromstring(to_hocr(pages))
    divs = root.findall(f".//{XHTML}div[@class='ocr_page']")
    assert len(divs) == 3
    for div, page in zip(divs, pages):
        assert f"bbox 0 0 {page.width} {page.height}" in div.get("title")
        lines = div.findall(f"{XHTML}p[@class='ocr_par']/{XHTML}span[@class='ocr_line']")
        assert len(lines) == len(page.lines)
        words = [w for ln in lines for w in ln.findall(f"{XHTML}span[@class='ocrx_word']")]
        assert [w.text for w in words] == page.text.split()
        for w in words:
            props = dict(p.strip().split(" ", 1) for p in w.get("title").split(";"))
            assert _inside(tuple(map(int, props["bbox"].split())), page)
            assert props["x_wconf"] == "90"


def test_alto_parses_with_every_string_boxed_inside_its_page():
    pages = _pages()
    root = ET.fromstring(to_alto(pages).encode())
    assert root.tag == f"{A}alto" and root.find(f"{A}Description/{A}MeasurementUnit").text == "pixel"
    alto_pages = root.findall(f".//{A}Page")
    assert len(alto_pages) == 3
    for el, page in zip(alto_pages, pages):
        assert (int(el.get("WIDTH")), int(el.get("HEIGHT"))) == (page.width, page.height)
        assert len(el.findall(f".//{A}TextLine")) == len(page.lines)
        strings = el.findall(f".//{A}String")
        assert [s.get("CONTENT") for s in strings] == page.text.split()
        for s in strings:
            x, y, w, h = (int(s.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            assert _inside((x, y, x + w, y + h), page) and s.get("WC") == "0.9000"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils, scripts/apt-packages.txt)")
def test_searchable_pdf_text_layer_reads_like_the_result():
    pages = _pages()
    images = [np.full((p.height, p.width, 3), 255, np.uint8) for p in pages]
    pdf = make_pdf(zip(pages, images))
    assert pdf.startswith(b"%PDF-")
    for mode in ([], ["-raw"]):
        out = subprocess.run(["pdftotext", *mode, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert out.count("\f") == 3
        assert [p.split() for p in out.split("\f")[:3]] == [p.text.split() for p in pages]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")
def test_searchable_pdf_words_sit_on_their_boxes():
    pages = _pages()[:1]
    pdf = make_pdf([(pages[0], None)])
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    root = ET.fromstring(html.replace("<!DOCTYPE html>", ""))
    words = root.findall(f".//{XHTML}word")
    expected = [w for ln in pages[0].lines for w in ln.words]
    assert [w.text for w in words] == [w.text for w in expected]
    k = 72 / 150
    for got, want in zip(words, expected):
        (x0, _), (x1, y1) = want.points[0], want.points[2]
        assert abs(float(got.get("xMin")) - x0 * k) < 2 and abs(float(got.get("yMax")) - y1 * k) < 6
        assert float(got.get("xMax")) >= x1 * k - 2


def test_a_corrected_line_keeps_word_boxes_when_the_words_are_as_many():
    line = _line(100, "TOTAL 12.5O")
    fixed = retext_line(line, "TOTAL 12.50")
    assert [w.text for w in fixed.words] == ["TOTAL", "12.50"]
    assert fixed.words[1].points == line.words[1].points and fixed.confidence == 1.0
    rewritten = retext_line(line, "TOTAL AMOUNT 12.50")
    assert [w.text for w in rewritten.words] == ["TOTAL", "AMOUNT", "12.50"]
    assert rewritten.words[0].points[0] == line.points[0]

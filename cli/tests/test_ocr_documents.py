"""`ocrmesh ocr` on documents with the committed weights: a PDF of 3 pages read page by page with word boxes, and
every output format (txt, hOCR, ALTO, searchable PDF) written from the same result and parsed back."""
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ocr_common.export import ALTO_NS

OCRMESH = [sys.executable, "-m", "ocrmesh"]
PAGES = [["Invoice 2026-0042 from ACME Ltd", "Total due: 1,250.00 by 3 March"],
         ["Second page of the letter", "with more words to read"],
         ["Third and last page"]]
XHTML = "{http://www.w3.org/1999/xhtml}"


def run(*args, cwd):
    return subprocess.run([*OCRMESH, *args], capture_output=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def doc(tmp_path_factory, text_pdf):
    d = tmp_path_factory.mktemp("docs")
    (d / "doc.pdf").write_bytes(text_pdf(PAGES))
    out = run("ocr", "doc.pdf", "--format", "json", cwd=d)
    assert out.returncode == 0, out.stderr.decode()
    return d, json.loads(out.stdout)


def _words(text: str) -> list[str]:
    return text.split()


def test_a_three_page_pdf_gives_three_pages_of_lines_with_words(doc):
    _, r = doc
    assert [p["page"] for p in r["pages"]] == [1, 2, 3] and all(p["dpi"] == 200 for p in r["pages"])
    for page, truth in zip(r["pages"], PAGES):
        assert len(page["lines"]) == len(truth)
        for line, expected in zip(page["lines"], truth):
            assert [w["text"] for w in line["words"]] == line["text"].split()
            assert sum(a != b for a, b in zip(line["text"], expected)) <= 2 and len(line["text"]) == len(expected)
            xs = [w["points"][0][0] for w in line["words"]]
            assert xs == sorted(xs)                                   # left to right
            for w in line["words"]:
                assert all(0 <= x <= page["width"] and 0 <= y <= page["height"] for x, y in w["points"])
    assert r["text"] == "\f".join(p["text"] for p in r["pages"])


def test_hocr_and_alto_hold_every_word_inside_its_page(doc):
    d, r = doc
    assert run("ocr", "doc.pdf", "--format", "hocr", "-o", "doc.hocr", cwd=d).returncode == 0
    assert run("ocr", "doc.pdf", "--format", "alto", "-o", "doc.xml", cwd=d).returncode == 0
    hocr = ET.parse(d / "doc.hocr").getroot()
    alto = ET.parse(d / "doc.xml").getroot()
    hocr_pages = hocr.findall(f".//{XHTML}div[@class='ocr_page']")
    alto_pages = alto.findall(f".//{{{ALTO_NS}}}Page")
    assert len(hocr_pages) == len(alto_pages) == 3
    for page, hp, ap in zip(r["pages"], hocr_pages, alto_pages):
        words = [w for w in hp.iter(f"{XHTML}span") if w.get("class") == "ocrx_word"]
        strings = ap.findall(f".//{{{ALTO_NS}}}String")
        assert [w.text for w in words] == [s.get("CONTENT") for s in strings] == _words(page["text"])
        for w in words:
            x0, y0, x1, y1 = map(int, w.get("title").split(";")[0].split()[1:])
            assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]
        for s in strings:
            x, y, wd, ht = (int(s.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            assert x >= 0 and y >= 0 and x + wd <= page["width"] and y + ht <= page["height"] and 0 <= float(s.get("WC")) <= 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_searchable_pdf_reads_like_the_json_text(doc):
    d, r = doc
    out = run("ocr", "doc.pdf", "--format", "pdf", "-o", "searchable.pdf", cwd=d)
    assert out.returncode == 0, out.stderr.decode()
    text = subprocess.run(["pdftotext", "searchable.pdf", "-"], cwd=d, capture_output=True, check=True, text=True).stdout
    assert text.count("\f") == 3
    assert [_words(p) for p in text.split("\f")[:3]] == [_words(p["text"]) for p in r["pages"]]
    info = subprocess.run(["pdfinfo", "searchable.pdf"], cwd=d, capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+3$", info, re.M)


def test_txt_and_several_inputs_into_a_folder(doc):
    d, r = doc
    out = run("ocr", "doc.pdf", "--format", "txt", cwd=d)
    assert out.returncode == 0 and out.stdout.decode().split("\f") == [p["text"] + "\n" for p in r["pages"]]
    shutil.copy(d / "doc.pdf", d / "copy.pdf")
    out = run("ocr", "doc.pdf", "copy.pdf", "--format", "alto", "-o", "alto", cwd=d)
    assert out.returncode == 0, out.stderr.decode()
    assert sorted(p.name for p in (d / "alto").iterdir()) == ["copy.xml", "doc.xml"]
    refused = run("ocr", "doc.pdf", "copy.pdf", "--format", "pdf", cwd=d)
    assert refused.returncode == 2 and b"-o DIR" in refused.stderr


def test_bad_pdfs_are_reported_per_input(doc, bad_pdf_cases):
    d, _ = doc
    names = []
    for name, (data, _, _) in bad_pdf_cases.items():
        (d / f"{name}.pdf").write_bytes(data)
        names.append(f"{name}.pdf")
    out = run("ocr", *names, "doc.pdf", "--format", "json", cwd=d)
    assert out.returncode == 1 and b"Traceback" not in out.stderr
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["image"] for r in rows] == [*names, "doc.pdf"]
    assert all(set(r) == {"image", "error"} for r in rows[:-1]) and len(rows[-1]["pages"]) == 3
    errors = dict(zip(names, (r["error"] for r in rows)))
    assert "encrypted" in errors["encrypted.pdf"] and "10000 pages" in errors["ten_thousand_pages.pdf"]

"""Shared pytest fixtures: paths to the evaluation data and the committed weights."""
from __future__ import annotations

from pathlib import Path

import pytest

from ocrmesh.paths import default_evaldata

REPO = Path(__file__).resolve().parent
EVALDATA = default_evaldata()
RECOGNIZER = REPO / "models" / "recognizer.pt"
DETECTOR = REPO / "models" / "detector.pt"


@pytest.fixture(scope="session")
def evaldata() -> Path:
    if not (EVALDATA / "lines" / "manifest.jsonl").exists():
        # Quality and end-to-end tests fail rather than skip without the data: point OCRMESH_EVALDATA at it.
        pytest.fail(f"evaluation data missing at {EVALDATA} (set OCRMESH_EVALDATA)")
    return EVALDATA


@pytest.fixture(scope="session")
def recognizer_path() -> Path:
    assert RECOGNIZER.exists(), "committed recognizer weights are missing"
    return RECOGNIZER


@pytest.fixture(scope="session")
def detector_path() -> Path:
    assert DETECTOR.exists(), "committed detector weights are missing"
    return DETECTOR


# --- documents: PDFs made here, good and bad ------------------------------------------------------
def make_text_pdf(pages: list[list[str]], size: float = 22) -> bytes:
    """A PDF whose pages hold these lines of text (Helvetica, `size` pt, 1.8 lines apart), like a clean scan."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("Helvetica", size=size)
    for lines in pages:
        pdf.add_page()
        for i, text in enumerate(lines):
            pdf.text(60, 90 + size * 1.8 * i, text)
    return bytes(pdf.output())


def make_raw_pdf(objects: list[str]) -> bytes:
    """A minimal PDF of these objects (1 0 R is the catalog), with a correct cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def bad_pdfs() -> dict[str, tuple[bytes, int, str]]:
    """name -> (PDF bytes, expected status, expected error code)."""
    from fpdf import FPDF

    catalog, pages = "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [{kids}] /Count {n} >>"
    huge = make_raw_pdf([catalog, pages.format(kids="3 0 R", n=1),
                         "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1000000 1000000] >>"])
    many = make_raw_pdf([catalog, pages.format(kids=" ".join(["3 0 R"] * 10_000), n=10_000),
                         "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"])
    enc = FPDF()
    enc.add_page()
    enc.set_font("Helvetica")
    enc.text(20, 20, "secret")
    enc.set_encryption(owner_password="owner", user_password="user")
    good = make_text_pdf([["hello"]])
    return {"million_point_page": (huge, 413, "page_too_large"), "ten_thousand_pages": (many, 413, "too_many_pages"),
            "encrypted": (bytes(enc.output()), 422, "encrypted_pdf"), "garbage": (b"%PDF-1.7\n\x00garbage", 400, "invalid_pdf"),
            "truncated": (good[: len(good) // 3], 400, "invalid_pdf")}


@pytest.fixture(scope="session")
def text_pdf():
    return make_text_pdf


@pytest.fixture(scope="session")
def bad_pdf_cases():
    return bad_pdfs()

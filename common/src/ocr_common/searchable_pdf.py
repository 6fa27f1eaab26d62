"""A searchable PDF (fpdf2): each page's image, and over it an invisible text layer in which every word sits on
its word box, stretched to the box's width, so that selecting and copying in a viewer gives the words and
`pdftotext` gives the text in reading order.

The text layer uses a Unicode TrueType font when one is found (OCRMESH_PDF_FONT, else DejaVu Sans from the
system or from matplotlib), embedded as a subset; without one it falls back to PDF's built-in Helvetica,
whose Latin-1 cannot hold some of the recognizer's characters (€ – — ‘ ’ “ ”): they become ASCII look-alikes.
"""
from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .ocr_result import OcrPage

DEFAULT_IMAGE_DPI = 150.0    # an image's resolution when it carries none (photos and most uploads)
_FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf")
_LATIN1_FALLBACK = str.maketrans({"€": "E", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})


@lru_cache(maxsize=1)
def text_font() -> Path | None:
    """The TrueType font of the text layer, or None for the built-in Helvetica."""
    env = os.environ.get("OCRMESH_PDF_FONT")
    candidates = [Path(env)] if env else []
    candidates += [Path(p) for p in _FONT_CANDIDATES]
    try:
        import matplotlib

        candidates.append(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:
        pass
    return next((p for p in candidates if p.is_file()), None)


def _jpeg(pixels: np.ndarray, quality: int) -> io.BytesIO:
    gray = pixels.ndim == 2 or (np.array_equal(pixels[..., 0], pixels[..., 1])
                                and np.array_equal(pixels[..., 1], pixels[..., 2]))
    img = pixels if pixels.ndim == 2 else (pixels[..., 0] if gray else pixels)
    return io.BytesIO(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes())


def make_pdf(pages: Iterable[tuple[OcrPage, np.ndarray | None]], jpeg_quality: int = 80, title: str = "") -> bytes:
    """The searchable PDF of `pages`: (result, BGR pixels of the page as read, or None for text only)."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_creator("ocrmesh")
    if title:
        pdf.set_title(title)
    font = text_font()
    if font is not None:
        pdf.add_font("ocrtext", fname=str(font))
        family, clean = "ocrtext", (lambda s: s)
    else:
        family, clean = "Helvetica", (lambda s: s.translate(_LATIN1_FALLBACK).encode("latin-1", "replace").decode("latin-1"))
    for page, pixels in pages:
        k = 72.0 / (page.dpi or DEFAULT_IMAGE_DPI)        # points per pixel
        pdf.add_page(format=(page.width * k, page.height * k))
        if pixels is not None:
            pdf.image(_jpeg(pixels, jpeg_quality), x=0, y=0, w=page.width * k, h=page.height * k)
        pdf.text_mode = TextMode.INVISIBLE
        for line in page.lines:
            for word in line.words or [line]:
                _place_word(pdf, family, clean(word.text), word.points, k)
        pdf.text_mode = TextMode.FILL
    return bytes(pdf.output())


def _place_word(pdf, family: str, text: str, points, k: float) -> None:
    """Writes `text` with its baseline along the bottom of the word's quad, as high as the quad and
    stretched to its width (rotated with the quad when it is tilted); a space follows, so text extraction
    keeps words apart even where their boxes touch."""
    if not text.strip():
        return
    tl, tr, br, bl = (np.asarray(p, dtype=np.float64) * k for p in points)
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    if width < 0.5 or height < 0.5:
        return
    size = height * 0.9
    pdf.set_font(family, size=size)
    natural = pdf.get_string_width(text)
    if natural <= 0:
        return
    pdf.set_stretching(100.0 * width / natural)
    angle = -math.degrees(math.atan2((br - bl)[1], (br - bl)[0]))
    x, y = float(bl[0]), float(bl[1] - height * 0.18)   # the baseline sits above the descenders
    if abs(angle) < 0.5:
        pdf.text(x, y, text + " ")
    else:
        with pdf.rotation(angle, x=x, y=y):
            pdf.text(x, y, text + " ")
    pdf.set_stretching(100.0)

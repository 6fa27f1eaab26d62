"""The canonical OCR result: pages → lines → words, each with a 4-point box, its text and confidence, in the
page's pixels. Every output format (JSON, text, hOCR, ALTO, searchable PDF) is rendered from it.

Points are [[x, y] x 4]: top-left, top-right, bottom-right, bottom-left, in the pixels of the page as read
(an uploaded image with its EXIF orientation applied, or a PDF page rendered at `dpi`).
"""
from __future__ import annotations

import re

from pydantic import BaseModel, Field

from .geometry import split_quad, word_quads

PAGE_SEPARATOR = "\f"   # between pages in a document's text, as pdftotext writes it


class OcrWord(BaseModel):
    points: list[list[float]] = Field(description="[[x,y] x 4]: top-left, top-right, bottom-right, bottom-left")
    text: str
    confidence: float = Field(ge=0.0, le=1.0)


class OcrLine(BaseModel):
    points: list[list[float]] = Field(description="[[x,y] x 4]: top-left, top-right, bottom-right, bottom-left")
    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    words: list[OcrWord] = Field(default_factory=list, description="the line's words, left to right; their boxes come "
                                 "from where the recognizer emitted their characters")


class OcrPage(BaseModel):
    page: int = Field(1, ge=1, description="1-based page number")
    width: int
    height: int
    dpi: float | None = Field(None, description="the resolution a PDF page was rendered at; null for an image")
    rotation: int = Field(0, description="clockwise degrees (0, 90, 180, 270) the page was turned to read it upright; "
                          "points are on the page as given, each quad starting at its text's top-left corner")
    text: str = Field("", description="the page's lines joined with \\n in reading order")
    lines: list[OcrLine] = Field(default_factory=list)


def _round(points) -> list[list[float]]:
    return [[round(float(x), 1), round(float(y), 1)] for x, y in points]


def build_words(points, spans) -> list[OcrWord]:
    """Words of a line read on its crop: `spans` are (text, confidence, x0, x1) with x0/x1 fractions of the
    crop's width (the recognizer's alignment); their boxes are mapped back through the crop onto the page."""
    spans = list(spans)
    quads = word_quads(points, [(x0, x1) for _, _, x0, x1 in spans])
    return [OcrWord(points=_round(q), text=t, confidence=round(min(max(c, 0.0), 1.0), 4))
            for (t, c, _, _), q in zip(spans, quads, strict=True)]


def estimate_words(points, text: str, confidence: float) -> list[OcrWord]:
    """Words of a line without an alignment (a person's text): the line's box split in proportion to the
    characters' offsets."""
    n = max(len(text), 1)
    return [OcrWord(points=_round(split_quad(points, m.start() / n, m.end() / n)), text=m.group(), confidence=confidence)
            for m in re.finditer(r"\S+", text)]


def retext_line(line: OcrLine, text: str, points=None) -> OcrLine:
    """The line with a person's text (and box): the recognizer's word boxes are kept where the words are
    the same number and the box did not move, else the words are estimated from the box."""
    new_points = [list(map(float, p)) for p in points] if points is not None else line.points
    words = text.split()
    if points is None and len(words) == len(line.words):
        kept = [w.model_copy(update={"text": t, "confidence": w.confidence if t == w.text else 1.0})
                for w, t in zip(line.words, words)]
        return OcrLine(points=new_points, text=text, confidence=1.0, words=kept)
    return OcrLine(points=new_points, text=text, confidence=1.0, words=estimate_words(new_points, text, 1.0))


def page_text(lines: list[OcrLine]) -> str:
    return "\n".join(ln.text for ln in lines)


def document_text(pages: list[OcrPage]) -> str:
    return PAGE_SEPARATOR.join(p.text for p in pages)


def split_pages(lines: list[OcrLine], pages: list[OcrPage], line_pages: list[int]) -> list[OcrPage]:
    """`pages` (their sizes) filled with `lines`, where line i is on page `line_pages[i]` (1-based)."""
    out = [p.model_copy(update={"lines": [], "text": ""}) for p in pages]
    for ln, number in zip(lines, line_pages, strict=True):
        out[min(max(number, 1), len(out)) - 1].lines.append(ln)
    for p in out:
        p.text = page_text(p.lines)
    return out

"""The whole OCR in one process: detect lines, crop each one upright, read them all in one batch; each line's
words are placed by the recognizer's alignment, mapped back through the crop onto the page."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ocr_common.geometry import crop_quad
from ocr_common.lines import MIN_LINE_CONFIDENCE, is_text_line
from ocr_common.ocr_result import OcrLine, OcrPage, OcrWord, build_words, page_text


@dataclass
class PageLine:
    points: list[list[float]]
    text: str
    confidence: float
    score: float
    words: list[OcrWord] = field(default_factory=list)


@dataclass
class PageResult:
    width: int
    height: int
    lines: list[PageLine] = field(default_factory=list)
    scale: float = 1.0           # < 1 when the detector read a downscaled copy

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    def to_json(self, image: str) -> dict:
        row = {"image": image, "width": self.width, "height": self.height, "text": self.text,
               "lines": [{"points": [[round(x, 1), round(y, 1)] for x, y in ln.points], "text": ln.text,
                          "confidence": round(ln.confidence, 4)} for ln in self.lines]}
        for out, ln in zip(row["lines"], self.lines):
            out["words"] = [w.model_dump() for w in ln.words]
        if self.scale < 1.0:
            row["downscaled"] = round(self.scale, 4)
        return row

    def to_page(self, number: int = 1, dpi: float | None = None) -> OcrPage:
        lines = [OcrLine(points=[[round(x, 1), round(y, 1)] for x, y in ln.points], text=ln.text,
                         confidence=round(ln.confidence, 4), words=ln.words) for ln in self.lines]
        return OcrPage(page=number, width=self.width, height=self.height, dpi=dpi, text=page_text(lines), lines=lines)


class PageReader:
    """Detector + recognizer, both loaded once. Boxes read as nothing, or read while guessing (mean
    character confidence below min_confidence), are not text lines and are left out."""

    def __init__(self, detector, recognizer, min_confidence: float = MIN_LINE_CONFIDENCE):
        self.detector, self.recognizer, self.min_confidence = detector, recognizer, min_confidence

    def read(self, image: np.ndarray) -> PageResult:
        detection = self.detector.detect(image)
        lines = self.read_lines(image, detection.lines)
        return PageResult(int(image.shape[1]), int(image.shape[0]), lines, detection.scale)

    def read_lines(self, image: np.ndarray, detected) -> list[PageLine]:
        """Reads detected lines (objects with .points and .score) on `image`; keeps the text lines."""
        crops = [crop_quad(image, ln.points) for ln in detected]
        texts = self.recognizer.recognize(crops) if crops else []
        return [PageLine(ln.points, t.text, t.confidence, ln.score,
                         build_words(ln.points, ((w.text, w.confidence, w.x0, w.x1) for w in t.words)))
                for ln, t in zip(detected, texts) if is_text_line(t.text, t.confidence, self.min_confidence)]

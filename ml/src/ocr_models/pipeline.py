"""The whole OCR in one process: detect lines (on the page turned upright when it lies sideways or upside down:
ocr_common.orientation), crop each line upright, read them all in one batch; each line's words are placed by the
recognizer's alignment, mapped back through the crop onto the page as given."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ocr_common.geometry import crop_quad
from ocr_common.lines import MIN_LINE_CONFIDENCE, is_text_line
from ocr_common.ocr_result import OcrLine, OcrPage, OcrWord, build_words, page_text
from ocr_common.orientation import orient


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
    rotation: int = 0            # clockwise degrees the page was turned to read it upright

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
        row["rotation"] = self.rotation
        return row

    def to_page(self, number: int = 1, dpi: float | None = None) -> OcrPage:
        lines = [OcrLine(points=[[round(x, 1), round(y, 1)] for x, y in ln.points], text=ln.text,
                         confidence=round(ln.confidence, 4), words=ln.words) for ln in self.lines]
        return OcrPage(page=number, width=self.width, height=self.height, dpi=dpi, rotation=self.rotation,
                       text=page_text(lines), lines=lines)


class PageReader:
    """Detector + recognizer, both loaded once. Boxes read as nothing, or read while guessing (mean
    character confidence below min_confidence), are not text lines and are left out. With `orientation`, a page
    lying sideways or upside down is read upright; its points are still in the page's pixels as given."""

    def __init__(self, detector, recognizer, min_confidence: float = MIN_LINE_CONFIDENCE, orientation: bool = True):
        self.detector, self.recognizer, self.min_confidence = detector, recognizer, min_confidence
        self.orientation = orientation

    def read(self, image: np.ndarray) -> PageResult:
        detection = self.detector.detect(image)
        detected = detection.lines
        texts = self._recognize(image, detected)
        rotation = 0
        if self.orientation:   # the lines already read tell most pages upright; a turned page is read again
            rotation, detected = self.orient(image, detected, [t.confidence for t in texts])
            if rotation:
                texts = self._recognize(image, detected)   # its quads start at their text's top-left: crops are upright
        return PageResult(int(image.shape[1]), int(image.shape[0]), self._text_lines(detected, texts), detection.scale,
                          rotation)

    def orient(self, image: np.ndarray, detected=None, read: list[float] | None = None):
        """(clockwise degrees that turn the page upright, its text lines on the page as given). `read`: the
        recognizer's confidences for `detected` as they are, when already known."""
        if detected is None:
            detected = self.detector.detect(image).lines
        return orient(image, detected, lambda px: self.detector.detect(px).lines,
                      lambda crops: [r.confidence for r in self.recognizer.recognize(crops)], read)

    def read_lines(self, image: np.ndarray, detected) -> list[PageLine]:
        """Reads detected lines (objects with .points and .score) on `image`; keeps the text lines."""
        return self._text_lines(detected, self._recognize(image, detected))

    def _recognize(self, image: np.ndarray, detected):
        crops = [crop_quad(image, ln.points) for ln in detected]
        return self.recognizer.recognize(crops) if crops else []

    def _text_lines(self, detected, texts) -> list[PageLine]:
        return [PageLine(ln.points, t.text, t.confidence, ln.score,
                         build_words(ln.points, ((w.text, w.confidence, w.x0, w.x1) for w in t.words)))
                for ln, t in zip(detected, texts) if is_text_line(t.text, t.confidence, self.min_confidence)]

"""The whole OCR in one process: detect lines, crop each one upright, read them all in one batch."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ocr_common.geometry import crop_quad


@dataclass
class PageLine:
    points: list[list[float]]
    text: str
    confidence: float
    score: float


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
        if self.scale < 1.0:
            row["downscaled"] = round(self.scale, 4)
        return row


class PageReader:
    """Detector + recognizer, both loaded once."""

    def __init__(self, detector, recognizer, drop_empty: bool = True):
        self.detector, self.recognizer, self.drop_empty = detector, recognizer, drop_empty

    def read(self, image: np.ndarray) -> PageResult:
        detection = self.detector.detect(image)
        crops = [crop_quad(image, ln.points) for ln in detection.lines]
        texts = self.recognizer.recognize(crops) if crops else []
        lines = [PageLine(ln.points, t.text, t.confidence, ln.score) for ln, t in zip(detection.lines, texts)]
        if self.drop_empty:  # a box the recognizer reads as nothing is not a text line
            lines = [ln for ln in lines if ln.text.strip()]
        return PageResult(int(image.shape[1]), int(image.shape[0]), lines, detection.scale)

"""Text-line detection on whole pages with a trained CTPN: numpy, OpenCV and a model runner (ONNX Runtime when
serving). Load one with `ocr_models.loader.load_detector`; training wraps its PyTorch network with
`detection.model.torch_detector`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..recognition.preprocess import to_gray
from .config import STRIDE, CTPNConfig, normalize_page
from .postprocess import PostprocessParams, postprocess, reading_order, split_at_blank_gaps

KIND = "detector"

Runner = Callable[[np.ndarray], list[np.ndarray]]   # (1, 1, H16, W16) float32 -> [scores, regression]


@dataclass
class Line:
    points: list[list[float]]   # [[x, y] x 4]: TL, TR, BR, BL in original image pixels
    score: float


@dataclass
class DetectionResult:
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)   # in reading order
    scale: float = 1.0        # model-input pixels per original pixel: < 1 means the image was downscaled

    @property
    def downscaled(self) -> bool:
        return self.scale < 1.0


def _to_uint8_gray(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.dtype != np.uint8:
        img = img.astype(np.float32)
        lo, hi = float(img.min()), float(img.max())
        img = ((img - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(img)).astype(np.uint8)
    return to_gray(img)


class TextDetector:
    """Finds text lines on a page. Load it once per process: construction loads the weights.

    The page is turned grey, downscaled so its long side is at most `max_side` (never upscaled: text
    smaller than ~8 px stays hard to find), padded to multiples of 16 and run through the model; the
    lines come back as quads in original pixels, clamped to the image and in reading order.
    """

    def __init__(self, run: Runner, config: CTPNConfig, max_side: int = 1600, params: PostprocessParams | None = None,
                 min_contrast: float = 12.0):
        self.run = run
        self.config = config
        self.max_side = max_side
        self.params = params or PostprocessParams()
        self.min_contrast = min_contrast

    def prepare(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(model input (1, 1, H16, W16) float32, resized grey page, scale)."""
        gray = _to_uint8_gray(image)
        h, w = gray.shape
        scale = min(1.0, self.max_side / max(h, w, 1))
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        rh, rw = gray.shape
        ph, pw = -(-max(rh, STRIDE) // STRIDE) * STRIDE, -(-max(rw, STRIDE) // STRIDE) * STRIDE
        fill = float(np.median(gray[:: max(1, rh // 64), :: max(1, rw // 64)]))
        padded = np.full((ph, pw), fill, np.float32)
        padded[:rh, :rw] = gray
        x = normalize_page(padded)[None, None]
        return np.ascontiguousarray(x), gray, scale

    def _outputs(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores, regression = self.run(x)
        return scores, regression

    def detect(self, image: np.ndarray) -> DetectionResult:
        """Lines of text on one image (BGR, BGRA or grey; uint8 or other dtypes, rescaled)."""
        image = np.asarray(image)
        h, w = image.shape[:2]
        result = DetectionResult(width=int(w), height=int(h))
        if h < 4 or w < 4:
            return result
        x, gray, scale = self.prepare(image)
        result.scale = scale
        if int(gray.max()) - int(gray.min()) < self.min_contrast:  # blank page: nothing to find
            return result
        scores, regression = self._outputs(x)
        quads, line_scores = postprocess(scores[0], regression[0], self.config.anchor_heights, self.params)
        quads, line_scores = split_at_blank_gaps(quads, line_scores, gray, self.params)
        quads, line_scores = self._keep_inked(quads, line_scores, gray)
        if len(quads) == 0:
            return result
        quads = quads / scale
        quads[..., 0] = quads[..., 0].clip(0, w)
        quads[..., 1] = quads[..., 1].clip(0, h)
        boxes = np.concatenate([quads.min(1), quads.max(1)], 1)
        ok = (boxes[:, 2] - boxes[:, 0] >= 1) & (boxes[:, 3] - boxes[:, 1] >= 1)
        quads, line_scores, boxes = quads[ok], line_scores[ok], boxes[ok]
        for i in reading_order(boxes):
            result.lines.append(Line(points=[[round(float(px), 1), round(float(py), 1)] for px, py in quads[i]],
                                     score=round(float(line_scores[i]), 4)))
        return result

    def _keep_inked(self, quads: np.ndarray, scores: np.ndarray, gray: np.ndarray):
        """Drops lines over flat areas (padding, blank paper): a cheap guard against false positives."""
        if len(quads) == 0:
            return quads, scores
        h, w = gray.shape
        keep = np.zeros(len(quads), bool)
        for i, q in enumerate(quads):
            x0, y0 = (int(np.floor(v)) for v in q.min(0).clip(0))
            x1, y1 = int(np.ceil(min(q[:, 0].max(), w))), int(np.ceil(min(q[:, 1].max(), h)))
            if x1 > x0 and y1 > y0:
                region = gray[y0:y1, x0:x1]
                keep[i] = int(region.max()) - int(region.min()) >= self.min_contrast
        return quads[keep], scores[keep]

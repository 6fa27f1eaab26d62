"""Text-line detection on whole pages with a trained CTPN: numpy, OpenCV and a model runner (ONNX Runtime when
serving). Load one with `ocr_models.loader.load_detector`; training wraps its PyTorch network with
`detection.model.torch_detector`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ocr_common.geometry import reduced_page, reduced_size

from ..recognition.preprocess import to_gray
from .config import STRIDE, CTPNConfig, normalize_page
from .postprocess import PostprocessParams, postprocess, reading_order, split_at_blank_gaps, split_at_gutters

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

    def page_scale(self, width: int, height: int) -> float:
        """The factor a page of this size is read at: its long side at most `max_side`, never enlarged."""
        return reduced_size(width, height, self.max_side)[0]

    def input_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of the grey page the model reads for a page of this size."""
        return reduced_size(width, height, self.max_side)[1]

    def reduced(self, image: np.ndarray) -> np.ndarray:
        """The grey page as the model reads it (before padding): what `detect(reduced, page_size)` takes, so that a
        caller holding the page sends a small copy (`ocr_common.geometry.reduced_page` of its grey page makes the
        same) and gets the same lines as `detect(page)`."""
        return reduced_page(_to_uint8_gray(image), self.max_side)[0]

    def prepare(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(model input (1, 1, H16, W16) float32, resized grey page, scale)."""
        gray = self.reduced(image)
        return self._padded(gray), gray, self.page_scale(image.shape[1], image.shape[0])

    def _padded(self, gray: np.ndarray) -> np.ndarray:
        rh, rw = gray.shape
        ph, pw = -(-max(rh, STRIDE) // STRIDE) * STRIDE, -(-max(rw, STRIDE) // STRIDE) * STRIDE
        fill = float(np.median(gray[:: max(1, rh // 64), :: max(1, rw // 64)]))
        padded = np.full((ph, pw), fill, np.float32)
        padded[:rh, :rw] = gray
        return normalize_page(padded, out=padded)[None, None]

    def _outputs(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores, regression = self.run(x)
        return scores, regression

    def detect(self, image: np.ndarray, page_size: tuple[int, int] | None = None) -> DetectionResult:
        """Lines of text on one image (BGR, BGRA or grey; uint8 or other dtypes, rescaled). With `page_size`
        ((width, height)), `image` is `reduced(page)` of a page that size, and the lines come back in the page's
        pixels exactly as `detect(page)` gives them (ValueError if the sizes do not fit)."""
        image = np.asarray(image)
        if page_size is None:
            h, w = image.shape[:2]
        else:
            w, h = (int(v) for v in page_size)
            if self.input_size(w, h) != (image.shape[1], image.shape[0]):
                raise ValueError(f"a {w}x{h} page is read at {self.input_size(w, h)}, not {image.shape[1::-1]}")
        result = DetectionResult(width=int(w), height=int(h))
        if h < 4 or w < 4:
            return result
        gray = self.reduced(image) if page_size is None else _to_uint8_gray(image)
        x, scale = self._padded(gray), self.page_scale(w, h)
        result.scale = scale
        if int(gray.max()) - int(gray.min()) < self.min_contrast:  # blank page: nothing to find
            return result
        scores, regression = self._outputs(x)
        quads, line_scores = postprocess(scores[0], regression[0], self.config.anchor_heights, self.params)
        quads, line_scores = split_at_blank_gaps(quads, line_scores, gray, self.params)
        quads, line_scores = split_at_gutters(quads, line_scores, gray, self.params)
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

"""Line quadrilaterals ([[x, y] x 4]: top-left, top-right, bottom-right, bottom-left): cropping a
line out of a page, the axis-aligned box around it, and mapping word positions in a crop back to the page."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np


def minimal_box(quad, width: int, height: int) -> tuple[int, int, int, int]:
    """(start_x, start_y, width, height) of the quad's bounding box, clamped to the image."""
    pts = np.asarray(quad, dtype=np.float64)
    x0, y0 = np.clip(np.floor(pts.min(axis=0)), 0, [width, height]).astype(int)
    x1, y1 = np.clip(np.ceil(pts.max(axis=0)), 0, [width, height]).astype(int)
    return int(x0), int(y0), int(max(0, x1 - x0)), int(max(0, y1 - y0))


CROP_MARGIN = 0.25        # x the line height, above and below the line in a crop
CROP_SIDE_MARGIN = 0.3    # x the line height, left and right


@dataclass(frozen=True)
class CropFrame:
    """How a line's crop sits on the page: `matrix` maps page pixels to crop pixels (out_w x out_h);
    the line's own quad spans x in [inner_x0, inner_x1] and y in [inner_y0, inner_y1] of the crop; `inverse` maps
    crop pixels back to the page."""
    matrix: np.ndarray
    inverse: np.ndarray
    out_w: int
    out_h: int
    inner_x0: float
    inner_x1: float
    inner_y0: float
    inner_y1: float

    def to_page(self, points) -> np.ndarray:
        """Crop pixels → page pixels, as an (N, 2) array."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
        return cv2.perspectiveTransform(pts, self.inverse).reshape(-1, 2)


def reduced_size(width: int, height: int, max_side: int) -> tuple[float, tuple[int, int]]:
    """(scale, (width, height)) of a page brought to at most `max_side` on its long side, never enlarged: how the
    detector reduces a page (ocr_models' TextDetector), and how a caller makes the same copy to send it."""
    scale = min(1.0, max_side / max(height, width, 1))
    if scale >= 1.0:
        return 1.0, (width, height)
    return scale, (max(1, round(width * scale)), max(1, round(height * scale)))


def reduced_page(pixels: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The page at `reduced_size` (OpenCV's INTER_AREA, as the detector reduces it) and its scale."""
    height, width = pixels.shape[:2]
    scale, size = reduced_size(width, height, max_side)
    return (pixels if scale >= 1.0 else cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)), scale


def crop_frame(quad, margin: float = CROP_MARGIN, side_margin: float = CROP_SIDE_MARGIN) -> CropFrame | None:
    """The perspective warp that `crop_quad` applies to `quad`; None for a degenerate quad."""
    q = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    return _frame(tuple(q.ravel().tolist()), margin, side_margin)


# A line's frame is wanted twice, for its crop and then for its words' boxes, and costs about 80 us of Python:
# the frames of the last few pages are kept (a few hundred bytes each).
@lru_cache(maxsize=4096)
def _frame(corners: tuple[float, ...], margin: float, side_margin: float) -> CropFrame | None:
    q = np.asarray(corners, dtype=np.float32).reshape(4, 2)
    tl, tr, br, bl = q
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    if width < 1 or height < 1:
        return None
    down = ((bl - tl) + (br - tr)) / 2 / height          # unit vector across the line
    right = ((tr - tl) + (br - bl)) / 2 / width          # unit vector along it
    dv, dh = down * margin * height, right * side_margin * height
    src = np.float32([tl - dv - dh, tr - dv + dh, br + dv + dh, bl + dv - dh])
    out_w, out_h = int(round(width + 2 * side_margin * height)), int(round(height * (1 + 2 * margin)))
    dst = np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    inverse = cv2.invert(matrix)[1]
    for m in (matrix, inverse):
        m.setflags(write=False)   # shared by every caller of the cache
    sx, sy = out_w / (width + 2 * side_margin * height), out_h / (height * (1 + 2 * margin))
    return CropFrame(matrix, inverse, max(out_w, 1), max(out_h, 1), float(side_margin * height * sx),
                     float(out_w - side_margin * height * sx), float(margin * height * sy),
                     float(out_h - margin * height * sy))


def crop_quad(image: np.ndarray, quad, margin: float = CROP_MARGIN, side_margin: float = CROP_SIDE_MARGIN) -> np.ndarray:
    """The line inside `quad`, rectified to an upright rectangle by a perspective warp.

    Detectors box the ink tightly and the recognizer reads better with some background around the
    letters, as in the lines it was trained on: `margin` x the line height is added above and below,
    `side_margin` x the line height left and right (on the dev receipts these margins read 2 points of
    CER better than a tight crop). Degenerate quads give a plain (at least 1x1) crop instead of failing.
    """
    frame = crop_frame(quad, margin, side_margin)
    if frame is None:
        q = np.asarray(quad, dtype=np.float32).reshape(4, 2)
        x0, y0 = np.floor(q.min(0)).astype(int).clip(0)
        x1, y1 = np.ceil(q.max(0)).astype(int)
        crop = image[y0: max(y1, y0 + 1), x0: max(x1, x0 + 1)]
        return crop if crop.size else np.full((1, 1) + image.shape[2:], 255, image.dtype)
    return cv2.warpPerspective(image, frame.matrix, (frame.out_w, frame.out_h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def split_quad(quad, x0: float, x1: float) -> list[list[float]]:
    """The part of `quad` between fractions x0 and x1 of its length (0 = its left side, 1 = its right)."""
    tl, tr, br, bl = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    a, b = min(max(x0, 0.0), 1.0), min(max(x1, 0.0), 1.0)
    pts = [tl + (tr - tl) * a, tl + (tr - tl) * b, bl + (br - bl) * b, bl + (br - bl) * a]
    return [[float(x), float(y)] for x, y in pts]


def word_quads(quad, spans) -> list[list[list[float]]]:
    """Page quads of words found at `spans` ((x0, x1) as fractions of the width of the crop that
    `crop_quad(image, quad)` made): each is the strip of the line's quad between the word's edges."""
    frame = crop_frame(quad)
    if frame is None:
        return [split_quad(quad, x0, x1) for x0, x1 in spans]
    if not spans:
        return []
    edges = np.clip(np.asarray(spans, dtype=np.float64).reshape(-1, 2) * frame.out_w, frame.inner_x0, frame.inner_x1)
    a, b = edges[:, :1], edges[:, 1:]
    top, bottom = np.full_like(a, frame.inner_y0), np.full_like(a, frame.inner_y1)
    corners = np.hstack([a, top, b, top, b, bottom, a, bottom])   # each word's TL, TR, BR, BL in the crop
    return frame.to_page(corners).reshape(-1, 4, 2).tolist()   # every word in one transform

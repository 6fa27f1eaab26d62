"""Line quadrilaterals: cropping a line out of a page, and the axis-aligned box around it."""
from __future__ import annotations

import cv2
import numpy as np

Quad = list[list[float]]  # [[x, y] x 4]: top-left, top-right, bottom-right, bottom-left


def minimal_box(quad: Quad, width: int, height: int) -> tuple[int, int, int, int]:
    """(start_x, start_y, width, height) of the quad's bounding box, clamped to the image."""
    pts = np.asarray(quad, dtype=np.float64)
    x0, y0 = np.clip(np.floor(pts.min(axis=0)), 0, [width, height]).astype(int)
    x1, y1 = np.clip(np.ceil(pts.max(axis=0)), 0, [width, height]).astype(int)
    return int(x0), int(y0), int(max(0, x1 - x0)), int(max(0, y1 - y0))


def crop_quad(image: np.ndarray, quad: Quad, margin: float = 0.12) -> np.ndarray:
    """The line inside `quad`, rectified to an upright rectangle.

    The quad is widened by `margin` of its height on every side, since detectors box the ink
    tightly and the recognizer reads better with a little background around the letters.
    """
    pts = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    tl, tr, br, bl = pts
    w = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl), 1.0)
    h = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr), 1.0)
    along = (tr - tl + br - bl) / (2 * w)          # unit vector along the line
    down = (bl - tl + br - tr) / (2 * h)           # unit vector across it
    m = margin * h
    src = np.stack([tl - m * along - m * down, tr + m * along - m * down,
                    br + m * along + m * down, bl - m * along + m * down]).astype(np.float32)
    out_w, out_h = int(round(w + 2 * m)), int(round(h + 2 * m))
    out_w, out_h = max(out_w, 2), max(out_h, 2)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

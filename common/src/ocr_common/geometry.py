"""Line quadrilaterals ([[x, y] x 4]: top-left, top-right, bottom-right, bottom-left): cropping a
line out of a page, and the axis-aligned box around it."""
from __future__ import annotations

import cv2
import numpy as np


def minimal_box(quad, width: int, height: int) -> tuple[int, int, int, int]:
    """(start_x, start_y, width, height) of the quad's bounding box, clamped to the image."""
    pts = np.asarray(quad, dtype=np.float64)
    x0, y0 = np.clip(np.floor(pts.min(axis=0)), 0, [width, height]).astype(int)
    x1, y1 = np.clip(np.ceil(pts.max(axis=0)), 0, [width, height]).astype(int)
    return int(x0), int(y0), int(max(0, x1 - x0)), int(max(0, y1 - y0))


def crop_quad(image: np.ndarray, quad, margin: float = 0.25, side_margin: float = 0.3) -> np.ndarray:
    """The line inside `quad`, rectified to an upright rectangle by a perspective warp.

    Detectors box the ink tightly and the recognizer reads better with some background around the
    letters, as in the lines it was trained on: `margin` x the line height is added above and below,
    `side_margin` x the line height left and right (on the dev receipts these margins read 2 points of
    CER better than a tight crop). Degenerate quads give a plain (at least 1x1) crop instead of failing.
    """
    q = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    tl, tr, br, bl = q
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    if width < 1 or height < 1:
        x0, y0 = np.floor(q.min(0)).astype(int).clip(0)
        x1, y1 = np.ceil(q.max(0)).astype(int)
        crop = image[y0: max(y1, y0 + 1), x0: max(x1, x0 + 1)]
        return crop if crop.size else np.full((1, 1) + image.shape[2:], 255, image.dtype)
    down = ((bl - tl) + (br - tr)) / 2 / height          # unit vector across the line
    right = ((tr - tl) + (br - bl)) / 2 / width          # unit vector along it
    dv, dh = down * margin * height, right * side_margin * height
    src = np.float32([tl - dv - dh, tr - dv + dh, br + dv + dh, bl + dv - dh])
    out_w, out_h = int(round(width + 2 * side_margin * height)), int(round(height * (1 + 2 * margin)))
    dst = np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, matrix, (max(out_w, 1), max(out_h, 1)), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)

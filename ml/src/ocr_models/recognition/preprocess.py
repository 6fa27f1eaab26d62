"""Turns a cropped line image into the recognizer's input: grey, height 32, dark text on light."""
from __future__ import annotations

import cv2
import numpy as np

from ..pixels import percentiles

MIN_WIDTH = 16
# Columns of paper added at both ends of every normalised line. A crop that ends on the last glyph's ink
# (a full stop at the right edge) lost that glyph: the network needs a little paper after it to emit it.
EDGE_PAD = 4


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def scaled_width(shape: tuple[int, ...], height: int = 32, max_width: int = 4096) -> int:
    """Width of a line image of this shape once resized to `height`."""
    h, w = shape[:2]
    return min(max(int(round(w * height / max(h, 1))), MIN_WIDTH), max_width)


def line_at_height(image: np.ndarray, height: int = 32, max_width: int = 4096) -> np.ndarray:
    """The line as the recognizer's grey uint8 (height, W) before its contrast stretch. A line already at that size
    comes back as it is, so a service may shrink each line once on arrival, hold only that, and read the same."""
    gray = to_gray(image)
    if gray.dtype != np.uint8:
        gray = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    h = gray.shape[0]
    new_w = scaled_width(gray.shape, height, max_width)
    if gray.shape == (height, new_w):
        return gray
    interp = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
    return cv2.resize(gray, (new_w, height), interpolation=interp)


def normalize_line(image: np.ndarray, height: int = 32, max_width: int = 4096) -> np.ndarray:
    """Returns float32 (height, W) in [-1, 1] with the text dark on a light background.

    Contrast is stretched between the 2nd and 98th percentiles so faint scans and photos look
    like clean prints; light-on-dark lines are inverted (the background is the majority of pixels).
    EDGE_PAD columns of background frame the line left and right.
    """
    line = line_at_height(image, height, max_width)
    lo, mid, hi = percentiles(line, (2, 50, 98))
    gray = line.astype(np.float32)
    if hi - lo < 8:  # flat image: nothing to stretch
        lo, hi = 0.0, 255.0
    x = np.clip((gray - lo) / (hi - lo), 0.0, 1.0)
    if mid < (lo + hi) / 2:
        x = 1.0 - x
    x = np.pad(x, ((0, 0), (EDGE_PAD, EDGE_PAD)), constant_values=1.0)
    return (x * 2.0 - 1.0).astype(np.float32, copy=False)


def pad_batch(lines: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stacks normalised lines into (N, 1, H, Wmax), padding with background; returns widths too."""
    widths = np.array([ln.shape[1] for ln in lines], dtype=np.int64)
    h = lines[0].shape[0]
    batch = np.ones((len(lines), 1, h, int(widths.max())), dtype=np.float32)
    for i, ln in enumerate(lines):
        batch[i, 0, :, : ln.shape[1]] = ln
    return batch, widths

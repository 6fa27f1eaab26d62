"""Pixel statistics of grey images, shared by the recognizer's preprocessing and the detector's post-processing."""
from __future__ import annotations

import numpy as np


def percentiles(gray: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """np.percentile's (linear) percentiles of a uint8 image, from its histogram: a sort of its pixels costs
    several times more on a line's few thousand of them. Other dtypes go to np.percentile."""
    if gray.dtype != np.uint8:
        return [float(v) for v in np.percentile(gray, qs)]
    cumulative = np.cumsum(np.bincount(gray.ravel(), minlength=256))
    out = []
    for q in qs:
        position = q / 100 * (gray.size - 1)
        below = int(position)
        a, b = np.searchsorted(cumulative, (below, min(below + 1, gray.size - 1)), side="right")
        t = position - below
        out.append(float(b - (b - a) * (1 - t)) if t >= 0.5 else float(a + (b - a) * t))
    return out

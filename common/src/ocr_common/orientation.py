"""Page orientation: which clockwise turn (0, 90, 180 or 270 degrees) puts a page's text upright, decided with the
two models ocrmesh already runs, no third one.

- **Upright or upside down.** The recognizer reads the middles of the page's longest detected lines (`PROBE_LINES`)
  as they are: text it was trained on reads with a high confidence, upside-down text reads as guesses (mean
  confidences on the dev pages: 0.85-0.99 upright, 0.52-0.85 upside down). A mean of at least `SURE` decides at
  once: `PROBE_LINES` short crops (about 45 ms of CPU) are the whole cost for most pages. Otherwise the same crops
  are read turned by 180 degrees too, and a confident difference decides.
  A caller that has already read all the page's lines as they are (the in-process reader) passes their
  confidences as `read`: the longest lines' mean of at least `SURE` then decides with no probe at all (full lines on
  the dev pages: 0.93-1.0 upright, 0.33-0.84 when the page lies upside down).
- **Turned sideways.** Only when that reading is not confident: the detector runs again on the page turned by 90
  degrees. Its lines are horizontal, so the orientation whose lines are longer (`evidence`) is the one whose text
  runs left to right: on the dev pages 2.3x to 20x longer. A sideways page is then read both ways as above (the
  larger mean wins); a page that is not sideways is turned by 180 degrees on a less confident reading (`LIKELY`).
- **Unsure** (a photo with a few words, an empty page): the page is left as it is.

`steps` is the decision; `orient` runs it with in-process models, the gateway through the model services. Turned
copies are made at the detector's input size, never at full size; the lines come back on the page as given, so the
caller crops them from it upright (their quads start at the text's top-left corner) and nothing else is turned. `to_original` maps points found on the turned page back to the page as given.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import fmean

import numpy as np

from .geometry import crop_quad, reduced_page

ANGLES = (0, 90, 180, 270)
PROBE_LINES = 8        # the longest lines are read as they are, and turned when that does not decide ...
PROBE_ASPECT = 8       # ... each only its middle, at most this many times as wide as it is high (about 12 characters)
SURE = 0.95            # mean confidence of the longest lines as they are (whole or their middles): upright at once
CONFIDENT = 0.9        # mean confidence of the probe lines read as text
MARGIN = 0.1           # ... ahead of the same lines read the other way up
LIKELY = 0.8           # enough to turn a page by 180 once it is known not to lie sideways
TURNED_RATIO = 1.5     # horizontal evidence of the page turned by 90 degrees over the page as it is
DETECT_SIDE = 1600     # the detector's input: its pages are downscaled to this long side (TextDetector.max_side)


def rotate(pixels: np.ndarray, angle: int) -> np.ndarray:
    """The page turned clockwise by `angle` (a multiple of 90)."""
    return np.ascontiguousarray(np.rot90(pixels, -(angle // 90) % 4))


def to_original(points, angle: int, width: int, height: int) -> list[list[float]]:
    """Points on the page turned clockwise by `angle` → the same points on the page as given (`width` x `height`).
    The order of the points is kept: a line's first point stays its text's top-left corner, wherever that is."""
    out = []
    for x, y in points:
        x, y = float(x), float(y)
        if angle == 90:
            x, y = y, height - x
        elif angle == 180:
            x, y = width - x, height - y
        elif angle == 270:
            x, y = width - y, x
        out.append([round(x, 1), round(y, 1)])
    return out


def _length(points) -> float:
    p = np.asarray(points, dtype=np.float64)
    return float((np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[3])) / 2)


def evidence(lines, width: int, height: int) -> float:
    """How much horizontal text the detector found: its lines' lengths weighted by their scores, in page sides."""
    return sum(_length(ln.points) * float(ln.score) for ln in lines) / max(width, height, 1)


def probe_crops(pixels: np.ndarray, lines) -> list[np.ndarray]:
    """The middle of the longest lines' crops, as they are."""
    return [_middle(crop_quad(pixels, lines[i].points)) for i in _longest(lines)]


def turned_180(crops: list[np.ndarray]) -> list[np.ndarray]:
    return [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]


def _middle(crop: np.ndarray) -> np.ndarray:
    keep = PROBE_ASPECT * crop.shape[0]
    if crop.shape[1] <= keep:
        return crop
    start = (crop.shape[1] - keep) // 2
    return np.ascontiguousarray(crop[:, start:start + keep])


def vote(confidences: Sequence[float], least: float = CONFIDENT, margin: float = MARGIN) -> int | None:
    """0 or 180 from the probe crops' confidences (as they are, then turned): the way up whose mean is at least
    `least` and `margin` ahead of the other; None when neither is."""
    n = len(confidences) // 2
    if n == 0:
        return None
    upright, turned = fmean(confidences[:n]), fmean(confidences[n:])
    if upright >= least and upright - turned >= margin:
        return 0
    if turned >= least and turned - upright >= margin:
        return 180
    return None


@dataclass
class Found:
    """A detected line: its quad ([[x, y] x 4], first point at the text's top-left) and the detector's score."""
    points: list[list[float]]
    score: float


def small_turned(pixels: np.ndarray, angle: int) -> tuple[np.ndarray, float]:
    """The page at most DETECT_SIDE long (never enlarged) and turned clockwise by `angle`; and its scale. The detector
    reads pages at that size anyway, so it finds the same lines on this copy, and no full-size copy is made."""
    small, scale = reduced_page(pixels, DETECT_SIDE)
    return rotate(small, angle), scale


def lines_back(lines, angle: int, width: int, height: int, scale: float) -> list[Found]:
    """Lines found on `small_turned(page, angle)` → on the page as given (`width` x `height`)."""
    small_w, small_h = max(1, round(width * scale)), max(1, round(height * scale))
    if scale == 1.0:
        small_w, small_h = width, height
    return [Found([[round(x / scale, 1), round(y / scale, 1)] for x, y in to_original(ln.points, angle, small_w, small_h)],
                  float(ln.score)) for ln in lines]


def _longest(lines) -> list[int]:
    return sorted(range(len(lines)), key=lambda i: -_length(lines[i].points))[:PROBE_LINES]


def upright_as_read(lines, read: Sequence[float]) -> bool:
    """Whether the page's lines, read as they are (`read`: a confidence for each), already tell it upright: the mean
    confidence of its longest lines is at least SURE. The first step of `steps`, and all it takes for most pages."""
    return bool(lines) and fmean(read[i] for i in _longest(lines)) >= SURE


def steps(pixels: np.ndarray, lines, read: Sequence[float] | None = None):
    """The decision as a generator, so that in-process models and the model services (awaited) run the same steps:
    it yields ("detect", pixels) and is sent the detector's lines (with .points, .score) on them, or yields
    ("read", crops) and is sent the recognizer's confidence for each crop. It returns (angle, lines): the clockwise
    turn that puts the page upright and the text lines on the page as given, each quad starting at its text's
    top-left corner (`crop_quad` of such a quad is upright text). `lines` are the detector's on the page as given;
    `read`, when given, the recognizer's confidence for each of them read as it is."""
    height, width = pixels.shape[:2]
    if read is not None and upright_as_read(lines, read):
        return 0, lines

    def detect_turned(angle: int):
        small, scale = small_turned(pixels, angle)
        return lines_back((yield "detect", small), angle, width, height, scale)

    crops = probe_crops(pixels, lines)
    upright = list((yield "read", crops)) if crops else []
    if upright and fmean(upright) >= SURE:
        return 0, lines
    flat = upright + list((yield "read", turned_180(crops))) if crops else []   # no crops: nothing to read either way
    decided = vote(flat)
    if decided == 0:
        return 0, lines
    if decided == 180:
        return 180, (yield from detect_turned(180))
    turned, scale = small_turned(pixels, 90)
    sideways = yield "detect", turned
    if not sideways or evidence(sideways, *turned.shape[1::-1]) <= TURNED_RATIO * evidence(lines, width, height):
        if vote(flat, LIKELY) == 180:
            return 180, (yield from detect_turned(180))
        return 0, lines
    crops = probe_crops(turned, sideways)
    if vote((yield "read", crops + turned_180(crops)), least=0.0, margin=0.0) == 0:
        return 90, lines_back(sideways, 90, width, height, scale)
    return 270, (yield from detect_turned(270))


def orient(pixels: np.ndarray, lines, detect: Callable[[np.ndarray], list], confidences: Callable[[list], list[float]],
           read: Sequence[float] | None = None):
    """`steps` with in-process models: `detect(pixels)` gives lines, `confidences(crops)` a confidence per crop."""
    run = steps(pixels, lines, read)
    try:
        kind, arg = next(run)
        while True:
            kind, arg = run.send(detect(arg) if kind == "detect" else confidences(arg))
    except StopIteration as done:
        return done.value

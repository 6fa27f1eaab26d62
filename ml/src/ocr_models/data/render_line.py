"""Renders one synthetic text line as a real scan or photo would show it.

The steps follow what the real crops in the evaluation data have: varied fonts and weights, paper
and photo backgrounds, low contrast, blur, low resolution, binarisation, JPEG, small skew, tight and
loose crops with pieces of neighbouring lines, underlines and speckle.
"""
from __future__ import annotations

import random
import re
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage.morphology import skeletonize

from .fonts import Font


@lru_cache(maxsize=512)
def _load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


SMALL_CAPS_P = 0.1   # share of lines with a run of small capitals


def small_caps_letters(text: str, rng: random.Random, p: float | None = None) -> set[int]:
    """Indices of lower-case letters to print as small capitals, as books set names and headings
    ("Mr. E<small>DWIN</small> L<small>ANDSEER</small>"); the label keeps them lower-case, as
    transcriptions do. A run of one to four words, never the whole line, so the line keeps full-size
    letters to compare with (a line of small capitals alone reads as capitals)."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    if len(words) < 2 or rng.random() >= (SMALL_CAPS_P if p is None else p):
        return set()
    n = rng.randint(1, min(4, len(words) - 1))
    first = rng.randint(0, len(words) - n)
    a, b = words[first][0], words[first + n - 1][1]
    return {i for i in range(a, b) if text[i].islower() and len(text[i].upper()) == 1}


def all_small_caps(text: str, font: Font) -> tuple[set[int], str]:
    """A line set wholly in small capitals (a heading, a byline): the indices of its lower-case letters the
    font has capitals for, and the label a transcription gives it, those letters in capitals."""
    small = {i for i, c in enumerate(text) if c.islower() and len(c.upper()) == 1 and c.upper() in font.chars}
    return small, "".join(c.upper() if i in small else c for i, c in enumerate(text))


def draw_text_mask(text: str, font: Font, size: int, rng: random.Random,
                    small_caps: set[int] | None = None, superscripts: frozenset[int] = frozenset(),
                    gaps: dict[int, float] | None = None) -> np.ndarray:
    """Text as an 8-bit coverage mask (255 = ink), cropped to the line's full ascent/descent.
    small_caps: indices of letters to print as small capitals (default: drawn at random).
    superscripts: indices of characters printed small and raised (exponents, footnote marks).
    gaps: extra space before the character at an index, in ems (see `thin_spaces`)."""
    gaps = gaps or {}
    pil_font = _load_font(font.path, size)
    ascent, descent = pil_font.getmetrics()
    spacing = 0.0
    if rng.random() < 0.15:  # letter-spaced text, as on receipts and headings
        spacing = rng.uniform(0.05, 0.4) * size
    if small_caps is None:
        small_caps = {i for i in small_caps_letters(text, rng) if text[i].upper() in font.chars}
    small_font = _load_font(font.path, max(6, round(size * rng.uniform(0.68, 0.8)))) if small_caps else pil_font
    # Drawn only for superscripts, so lines without any (and the gate's fixed clean-print lines) keep their randomness.
    sup_font = _load_font(font.path, max(6, round(size * rng.uniform(0.55, 0.7)))) if superscripts else pil_font
    raise_by = size * rng.uniform(0.3, 0.42) if superscripts else 0.0
    stroke = 1 if (size >= 28 and rng.random() < 0.12) else 0
    width = int(pil_font.getlength(text.upper() if small_caps else text) + spacing * len(text)
                + sum(gaps.values()) * size) + 4 * size
    height = ascent + descent + 2 * size
    canvas = Image.new("L", (max(width, 8), height), 0)
    draw = ImageDraw.Draw(canvas)
    x0, y0 = size, size
    if spacing or small_caps or superscripts or gaps:
        # Character by character on a common baseline ("ls" anchor), so small capitals sit on it.
        x = float(x0)
        for i, ch in enumerate(text):
            x += gaps.get(i, 0.0) * size
            f, glyph = (small_font, ch.upper()) if i in small_caps else (pil_font, ch)
            f, lift = (sup_font, raise_by) if i in superscripts else (f, 0.0)
            draw.text((x, y0 + ascent - lift), glyph, font=f, fill=255, stroke_width=stroke, stroke_fill=255, anchor="ls")
            x += f.getlength(glyph) + spacing
    else:
        draw.text((x0, y0), text, font=pil_font, fill=255, stroke_width=stroke, stroke_fill=255)
    mask = np.asarray(canvas)
    cols = np.flatnonzero(mask.max(axis=0) > 0)
    if len(cols) == 0:  # only spaces
        cols = np.array([x0, x0 + size // 2])
    # Keep the full ascent/descent band vertically so 'a' and 'A' keep their relative heights.
    top = y0 - _headroom(size)
    bottom = y0 + ascent + descent
    return mask[top:bottom, cols[0]: cols[-1] + 1]


def _headroom(size: int) -> int:
    """Rows `draw_text_mask` keeps above the face's ascent."""
    return max(1, int(0.05 * size))


def baseline_row(font: Font, size: int) -> int:
    """The row of the baseline in `draw_text_mask`'s mask of a line in `font` at `size`."""
    return _headroom(size) + _load_font(font.path, size).getmetrics()[0]


def _background(h: int, w: int, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    kind = rng.random()
    base = rng.uniform(150, 255)
    if kind < 0.45:
        bg = np.full((h, w), base, np.float32)
    elif kind < 0.7:  # lighting gradient
        ramp = np.linspace(0, 1, w if rng.random() < 0.6 else h, dtype=np.float32)
        delta = rng.uniform(-70, 70)
        bg = base + delta * (ramp[None, :] if ramp.size == w else ramp[:, None])
        bg = np.broadcast_to(bg, (h, w)).astype(np.float32)
    else:  # paper or photo texture: smoothed noise at a random scale
        scale = rng.choice([1, 2, 4, 8])
        small = nrng.normal(0, 1, (max(1, h // scale) + 1, max(1, w // scale) + 1)).astype(np.float32)
        tex = cv2.resize(cv2.GaussianBlur(small, (0, 0), rng.uniform(0.5, 2)), (w, h))
        bg = base + tex * rng.uniform(5, 35)
    return np.clip(bg, 0, 255)


def _neighbour_strip(ref_h: int, w: int, font: Font, size: int, text: str, rng: random.Random) -> np.ndarray:
    mask = draw_text_mask(text, font, size, rng)
    mask = cv2.resize(mask, (max(1, int(mask.shape[1] * ref_h / mask.shape[0])), ref_h))
    out = np.zeros((ref_h, w), np.uint8)
    x = rng.randint(0, max(0, w // 4))
    seg = mask[:, : max(0, w - x)]
    out[:, x: x + seg.shape[1]] = seg
    return out


def dot_matrix(mask: np.ndarray, pitch: int, diamonds: bool = False) -> np.ndarray:
    """The float mask (1 = ink) as a dot-matrix printer prints it: each glyph at the resolution of the print head
    (a cell every `pitch` pixels inked where the glyph covers a quarter of it, so a thin stroke keeps a row of dots
    and a full stop or a comma's head becomes one dot), each cell a round or diamond-shaped dot a little wider than
    the pitch, so dots touch along a stroke."""
    h, w = mask.shape
    cells = cv2.resize(mask, (max(1, round(w / pitch)), max(1, round(h / pitch))), interpolation=cv2.INTER_AREA) > 0.25
    return cv2.resize(print_dots(cells, pitch, diamonds), (w, h), interpolation=cv2.INTER_LINEAR)


def print_dots(cells: np.ndarray, pitch: int, diamonds: bool = False, spread: float = 1.0,
               extra: tuple[tuple[float, float], ...] = ()) -> np.ndarray:
    """A float mask (1 = ink) with a dot every `pitch` pixels where `cells` is true, and one at each `extra`
    (row, column) in cells, which may fall between cells (`diamond_points`): round or diamond-shaped, `spread` times
    the pitch wide, so dots touch along a stroke from about 1.0 on."""
    out = np.zeros((cells.shape[0] * pitch, cells.shape[1] * pitch), np.float32)
    out[pitch // 2:: pitch, pitch // 2:: pitch][cells] = 1.0
    for row, col in extra:
        y, x = round(row * pitch) + pitch // 2, round(col * pitch) + pitch // 2
        if 0 <= y < out.shape[0] and 0 <= x < out.shape[1]:
            out[y, x] = 1.0
    size = max(2, round(pitch * spread)) | 1
    if not diamonds:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    elif size <= 3:
        kernel = cv2.getStructuringElement(cv2.MORPH_CROSS, (size, size))
    else:   # a rhombus: the cells within `size // 2` steps of the centre
        r = size // 2
        kernel = (np.abs(np.arange(size)[:, None] - r) + np.abs(np.arange(size)[None, :] - r) <= r).astype(np.uint8)
    return cv2.GaussianBlur(cv2.dilate(out, kernel), (0, 0), 0.6)


def diamond_points(cells: np.ndarray, baseline: float, across: float = 0.7
                   ) -> tuple[np.ndarray, tuple[tuple[float, float], ...]]:
    """Full stops and commas as many dot-matrix printers print them, heavier than a stroke. A full stop is five
    overlapping dots, three rows high and three across, the side dots `across` cells from the middle (the head's
    half steps): taller than wide, a stem above and below its middle, the lowest dot on the baseline (row
    `baseline`). A comma (a mark that reaches below the baseline) is a small `9` standing on the baseline, five
    rows high: a ring two dots across, its tail down to the left. So the dev listing prints `1,2, . . . ,N`, which
    the recognizer read with `+` and `y` (docs/models.md, stage 16). A point is a mark of at most 3x5 cells, not
    high up. Returns the cells without the points' own and the points' dots, as `print_dots` takes them."""
    out = cells.copy()
    dots: list[tuple[float, float]] = []
    stats = cv2.connectedComponentsWithStats(cells.astype(np.uint8))[2]
    for left, top, width, height, _ in stats[1:]:
        if width > 3 or height > 5 or top + height < baseline - 1:   # not a point; or high up (an apostrophe)
            continue
        out[top: top + height, left: left + width] = False
        low, x = min(top + height - 1, int(baseline)), left + (width - 1) / 2
        if top + height > baseline + 1:   # a comma: a ring of two dots across, its tail down to the left
            dots += [(low - 4, x - across), (low - 4, x + across), (low - 3, x - across), (low - 3, x + across),
                     (low - 2, x), (low - 1, x - across / 2), (low, x - across)]
        else:
            dots += [(low - 2, x), (low - 1, x - across), (low - 1, x), (low - 1, x + across), (low, x)]
    return out, tuple(dots)


# Share of dot-matrix lines whose strokes are one dot wide, as in the dev listing line (docs/models.md, stage 15);
# the rest follow the face's own stroke width, so a bold face prints merged dots.
THIN_DOTS_P = 0.7
# Share of dot-matrix lines whose full stops and commas are heavy diamonds (`diamond_points`), as the dev listing's.
DIAMOND_POINTS_P = 0.5


def dot_matrix_print(text: str, font: Font, rng: random.Random) -> np.ndarray:
    """A line as a dot-matrix printer prints it (program listings, the UW-III reports' appendices): the text drawn
    9-13 print-head rows high, so a regular face's strokes are about one dot wide as in the printer's own 7x9
    characters (in `THIN_DOTS_P` of the lines exactly one, the glyphs' skeleton), in cells up to 1.5 times wider
    than the face's (10 characters to the inch), each inked cell one round or diamond-shaped dot."""
    rows = rng.randint(9, 13)
    glyphs = draw_text_mask(text, font, 4 * rows, rng, small_caps=set()).astype(np.float32) / 255.0
    baseline = baseline_row(font, 4 * rows) / 4   # in cells
    thin = rng.random() < THIN_DOTS_P
    if thin:   # the printer's own 7x9 characters: every stroke one dot wide, whatever the face's weight
        glyphs = skeletonize(glyphs > 0.5).astype(np.float32)
    h, w = glyphs.shape   # each cell: the share of it the glyph covers
    coverage = cv2.resize(glyphs, (max(1, round(w / 4 * rng.uniform(1.0, 1.5))), max(1, round(h / 4))),
                          interpolation=cv2.INTER_AREA)
    # A skeleton covers little of a cell, and a full stop's is one pixel: any of it inks the cell.
    cells = coverage > (0.02 if thin else rng.uniform(0.25, 0.4))
    points: tuple[tuple[float, float], ...] = ()
    if rng.random() < DIAMOND_POINTS_P:
        cells, points = diamond_points(cells, baseline, rng.uniform(0.5, 0.9))
    return print_dots(cells, rng.randint(3, 5), diamonds=rng.random() < 0.5, spread=rng.uniform(0.9, 1.4),
                      extra=points)


def render_line(text: str, font: Font, rng: random.Random, neighbour_text: str | None = None) -> np.ndarray:
    """A grey uint8 image of one text line; its height varies (the recognizer resizes it)."""
    nrng = np.random.default_rng(rng.getrandbits(32))
    size = rng.randint(22, 52)
    mask = draw_text_mask(text, font, size, rng).astype(np.float32) / 255.0
    h, w = mask.shape

    # Condensed and expanded faces: squeeze or stretch the line horizontally.
    if rng.random() < 0.5:
        factor = rng.uniform(0.6, 1.35)
        mask = cv2.resize(mask, (max(4, int(w * factor)), h), interpolation=cv2.INTER_AREA)
        h, w = mask.shape

    # Stroke weight: thin or thicken some lines.
    r = rng.random()
    if r < 0.12:
        mask = cv2.erode(mask, np.ones((2, 2), np.uint8))
    elif r < 0.27:
        mask = cv2.dilate(mask, np.ones((2, 2) if rng.random() < 0.7 else (3, 3), np.uint8))

    # Print defects: faded thermal paper (ink missing in patches), dot-matrix dots, strike-through.
    if rng.random() < 0.25:
        scale = rng.choice([2, 4, 8])
        field = nrng.random((h // scale + 2, w // scale + 2)).astype(np.float32)
        field = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)
        mask = mask * np.clip((field - rng.uniform(0.0, 0.3)) * 2.5, 0.35, 1.0)
        if rng.random() < 0.5:
            mask = mask * (nrng.random(mask.shape) > rng.uniform(0.03, 0.15))
    elif size >= 30 and rng.random() < 0.06:
        mask = dot_matrix(mask, rng.randint(2, 3))
    if rng.random() < 0.03:
        y = int(h * rng.uniform(0.45, 0.7))
        cv2.line(mask, (0, y), (w - 1, y + rng.randint(-3, 3)), 1.0, max(1, size // 18))

    # Crop margins: tight (even clipping a pixel of ink) to loose.
    xh = h
    left, right = (int(rng.uniform(0, 0.6) * xh) for _ in range(2))
    top, bottom = int(rng.uniform(-0.08, 0.35) * xh), int(rng.uniform(-0.08, 0.35) * xh)
    canvas = np.zeros((h + max(top, 0) + max(bottom, 0), w + left + right), np.float32)
    canvas[max(top, 0): max(top, 0) + h, left: left + w] = mask
    canvas = canvas[max(-top, 0): canvas.shape[0] - max(-bottom, 0)]
    ch, cw = canvas.shape

    # Underline, or pieces of the lines above and below that a loose crop catches.
    if rng.random() < 0.08:
        y = min(ch - 1, max(top, 0) + int(h * rng.uniform(0.78, 0.95)))
        cv2.line(canvas, (rng.randint(0, left + 1), y), (cw - rng.randint(0, right + 1), y), 1.0, max(1, size // 16))
    if neighbour_text and rng.random() < 0.25:
        strip = _neighbour_strip(h, cw, font, size, neighbour_text, rng).astype(np.float32) / 255.0
        show = rng.randint(2, max(3, h // 5))
        if rng.random() < 0.5:
            canvas[:show] = np.maximum(canvas[:show], strip[h - show:])
        else:
            canvas[ch - show:] = np.maximum(canvas[ch - show:], strip[:show])

    # Geometry: skew, slant, slight perspective.
    if rng.random() < 0.6:
        angle = rng.gauss(0, 1.2)
        shear = rng.gauss(0, 0.08) if rng.random() < 0.4 else 0.0
        canvas = skewed(canvas, angle, shear)
        H = canvas.shape[0]
        # Re-crop vertically around the ink so the skewed line keeps its margins.
        rows = np.flatnonzero(canvas.max(axis=1) > 0.3)
        if len(rows):
            y0 = max(0, rows[0] - max(top, 0))
            y1 = min(H, rows[-1] + 1 + max(bottom, 0))
            canvas = canvas[y0:y1]
    ch, cw = canvas.shape

    # Compose ink over background.
    bg = _background(ch, cw, rng, nrng)
    contrast = rng.uniform(0.25, 1.0) if rng.random() < 0.3 else rng.uniform(0.75, 1.0)
    ink = bg.mean() - contrast * rng.uniform(0.6, 1.0) * bg.mean()
    img = bg * (1 - canvas) + ink * canvas

    # Resolution loss: render small, then up again.
    if rng.random() < 0.35:
        target_h = rng.randint(10, 30)
        f = target_h / ch
        small = cv2.resize(img, (max(4, int(cw * f)), target_h), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (cw, ch), interpolation=rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_NEAREST]))
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.6))
    if rng.random() < 0.15:  # motion blur along the line
        k = rng.randint(2, 5)
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2] = 1.0 / k
        img = cv2.filter2D(img, -1, kernel)
    if rng.random() < 0.5:
        img = img + nrng.normal(0, rng.uniform(2, 18), img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)

    r = rng.random()
    if r < 0.2:  # binarised scan (global or adaptive threshold)
        if rng.random() < 0.6:
            _, img = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        else:
            block = rng.choice([15, 25, 41, 61]) | 1
            img = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, rng.uniform(5, 20))
        if rng.random() < 0.3:  # speckle
            speck = nrng.random(img.shape) < rng.uniform(0.001, 0.01)
            img[speck] = 255 - img[speck]
    elif r < 0.55:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(15, 90)])
        if ok:
            img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    if rng.random() < 0.06:
        img = 255 - img
    return img


def with_superscript(text: str, rng: random.Random) -> tuple[str, frozenset[int]]:
    """The text with a footnote mark after a word or a power of ten added, and the indices of its raised
    characters. Transcriptions write them flat (`10^17` as `1017`), and so does the label."""
    words = text.split(" ")
    i = rng.randrange(len(words))
    mark = rng.choice([str(rng.randint(1, 40)), "*", str(rng.randint(-9, 30)), "2", "-1"])
    if rng.random() < 0.5:
        words[i] += mark
        start = len(" ".join(words[: i + 1])) - len(mark)
    else:
        words.insert(i, "10" + mark)
        start = len(" ".join(words[:i])) + (1 if i else 0) + 2
    return " ".join(words), frozenset(range(start, start + len(mark)))


def worn_commas(text: str, rng: random.Random, p: float = 0.5) -> str:
    """The text as a worn or thinly inked scan prints it: a comma before a space or at the line's end
    loses its tail with probability p and prints as a full stop. The label keeps the comma, so the
    recognizer learns to tell the two apart by what follows (lower case after a comma, a capital after a
    full stop) where the ink cannot. Commas inside numbers (`1,000`) stay as printed."""
    return "".join(
        "." if c == "," and text[i + 1: i + 2] in (" ", "") and rng.random() < p else c
        for i, c in enumerate(text)
    )


def skewed(mask: np.ndarray, degrees: float, shear: float = 0.0) -> np.ndarray:
    """The float mask (1 = ink) turned by `degrees` and slanted by `shear` (x moves by shear * y), on a canvas grown
    by the rows the turn needs, so no ink is cut off at the ends of a long line (a crop to the ink follows)."""
    h, w = mask.shape
    grow = int(np.ceil(abs(np.tan(np.radians(degrees))) * w / 2 + abs(shear) * h)) + 1
    padded = np.pad(mask, ((grow, grow), (0, 0)))
    m = cv2.getRotationMatrix2D((w / 2, padded.shape[0] / 2), degrees, 1.0)
    m[0, 1] += shear
    m[0, 2] -= shear * padded.shape[0] / 2
    return cv2.warpAffine(padded, m, (w, padded.shape[0]), flags=cv2.INTER_LINEAR, borderValue=0)


# Share of scanned-print lines cropped to their ink top and bottom: the dev listing line whose real crop is ink-tight
# was misread, and read right once padded to the renderer's usual ascent-to-descent band (docs/models.md, stage 13).
INK_TIGHT_P = 0.4


def render_scanned_print(text: str, font: Font, rng: random.Random, superscripts: frozenset[int] = frozenset(),
                         small_caps: set[int] | None = None, gaps: dict[int, float] | None = None,
                         dots: bool = False) -> np.ndarray:
    """A line of a book or paper as an office scanner binarises it at 200-300 dpi (the UW-III look):
    black on white, tight crop, a fraction of a degree of skew, and a threshold that thins, thickens,
    breaks or merges strokes, so a comma's tail may be one or two pixels.
    small_caps, gaps: as for `draw_text_mask` (default: a random run of small capitals, no gaps).
    dots: printed by a dot-matrix printer (see `dot_matrix_print`), as program listings often are."""
    nrng = np.random.default_rng(rng.getrandbits(32))
    if dots:
        mask = dot_matrix_print(text, font, rng)
    else:
        mask = draw_text_mask(text, font, rng.randint(24, 48), rng, small_caps, superscripts, gaps).astype(np.float32) / 255.0
    if rng.random() < 0.5:
        mask = skewed(mask, rng.gauss(0, 0.3))
    vertical = 0.3
    if rng.random() < INK_TIGHT_P:   # cropped to the ink, as UW-III's line crops are: capitals fill most of the height
        rows = np.flatnonzero(mask.max(axis=1) > 0.5)
        if len(rows):
            mask, vertical = mask[rows[0]: rows[-1] + 1], 0.18
    h, w = mask.shape
    margin = [int(rng.uniform(0.0, m) * h) for m in (vertical, vertical, 0.3, 0.3)]   # top, bottom, left, right
    canvas = np.zeros((h + margin[0] + margin[1], w + margin[2] + margin[3]), np.float32)
    canvas[margin[0]: margin[0] + h, margin[2]: margin[2] + w] = mask
    img = 255.0 * (1.0 - canvas)
    if rng.random() < 0.4:  # scanned at a lower resolution than it is shown
        f = rng.uniform(0.5, 0.9)
        small = cv2.resize(img, (max(4, int(img.shape[1] * f)), max(4, int(img.shape[0] * f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.4))
    img = img + nrng.normal(0, rng.uniform(0, 25), img.shape)
    # Dots blurred by the scan fade at their rims: a low threshold would leave a dot-matrix line without strokes.
    binary = np.where(img < rng.uniform(130 if dots else 80, 200), 0, 255).astype(np.uint8)
    if (binary == 0).mean() < 0.4 * (canvas > 0.5).mean():  # a thin face thresholded away: the label needs its ink
        binary = np.where(img < 225, 0, 255).astype(np.uint8)
    img = binary
    if rng.random() < 0.3:  # speckle and dust
        speck = nrng.random(img.shape) < rng.uniform(0.0005, 0.004)
        img[speck] = 255 - img[speck]
    return img


def thin_spaces(text: str, rng: random.Random) -> dict[int, float]:
    """Where an old book sets a thin space, in ems: before `; : ? !` and inside quotation marks. Transcriptions
    (Project Gutenberg's, the old-book pages') leave those spaces out, and so does the label, so the recognizer
    learns that such a gap is not a word space (it read `state : by` and `“ human`)."""
    width = rng.uniform(0.12, 0.3)
    return {i: width for i, c in enumerate(text)
            if i and text[i - 1] != " " and (c in ";:?!”" or text[i - 1] == "“")}

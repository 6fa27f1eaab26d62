"""Page canvas for synthetic pages: cached glyph bitmaps, the ink-tracking page, random helpers.

Text is drawn from cached glyph bitmaps (no kerning) because PIL's per-line layout costs about 25 us a
glyph; a 512x512 page takes a few tens of milliseconds.
"""
from __future__ import annotations

import math
import random
import re
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .fonts import Font, by_group
from .text import TextSampler

MERGE_GAP_CHARS = 3.0   # fields of a row closer than this many character widths form one line box
_MONO = re.compile(r"Mono|Courier|Code|Cursor|OCR|Inconsolata|Hack|Hermit|mononoki|Anonymous", re.I)

# --- glyphs ----------------------------------------------------------------------------------------
class _Glyphs:
    """Glyph bitmaps of one font at one size, rendered on first use."""

    def __init__(self, path: str, size: int):
        self.font = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
        self.size = size
        self.cache: dict[str, tuple] = {}

    def get(self, ch: str):
        """(bitmap or None, left, top relative to the baseline, advance, ink box (x0, y0, x1, y1) in the bitmap)."""
        g = self.cache.get(ch)
        if g is None:
            adv = self.font.getlength(ch)
            left, top, right, bottom = self.font.getbbox(ch, anchor="ls")
            bmp, ink = None, None
            if right > left and bottom > top:
                im = Image.new("L", (right - left, bottom - top), 0)
                ImageDraw.Draw(im).text((-left, -top), ch, font=self.font, fill=255, anchor="ls")
                bmp = np.asarray(im)
                strong = bmp > 96
                if not strong.any():
                    strong = bmp > 0
                if strong.any():
                    rows, cols = np.flatnonzero(strong.any(1)), np.flatnonzero(strong.any(0))
                    ink = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
                else:
                    bmp = None
            g = (bmp, left, top, adv, ink)
            self.cache[ch] = g
        return g

    def width(self, text: str, spacing: float = 0.0) -> float:
        return sum(self.get(c)[3] for c in text) + spacing * max(len(text) - 1, 0)


_GLYPH_CACHE: OrderedDict = OrderedDict()


def _glyphs(font: Font, size: int) -> _Glyphs:
    key = (font.path, size)
    g = _GLYPH_CACHE.get(key)
    if g is None:
        g = _GLYPH_CACHE[key] = _Glyphs(font.path, size)
        if len(_GLYPH_CACHE) > 600:
            _GLYPH_CACHE.popitem(last=False)
    else:
        _GLYPH_CACHE.move_to_end(key)
    return g


@dataclass
class _Segment:
    x0: int                 # page position of the mask's top-left corner
    y0: int
    mask: np.ndarray        # uint8 coverage
    ink: np.ndarray         # (n, 4) glyph ink boxes in page coordinates
    char_w: float


def _compose(text: str, glyphs: _Glyphs, x: float, baseline: float, spacing: float = 0.0) -> _Segment | None:
    """Draws `text` with its pen starting at (x, baseline) in page coordinates."""
    items, pen = [], 0.0
    for ch in text:
        bmp, left, top, adv, ink = glyphs.get(ch)
        if bmp is not None:
            items.append((pen + left, top, bmp, ink))
        pen += adv + spacing
    if not items:
        return None
    xs = [int(round(p)) for p, *_ in items]
    left = min(xs)
    top = min(t for _, t, _, _ in items)
    right = max(xi + b.shape[1] for xi, (_, _, b, _) in zip(xs, items))
    bottom = max(t + b.shape[0] for _, t, b, _ in items)
    mask = np.zeros((bottom - top, right - left), np.uint8)
    ink = np.empty((len(items), 4), np.float32)
    for k, (xi, (_, t, b, gi)) in enumerate(zip(xs, items)):
        ox, oy = xi - left, t - top
        dst = mask[oy: oy + b.shape[0], ox: ox + b.shape[1]]
        np.maximum(dst, b, out=dst)
        ink[k] = (ox + gi[0], oy + gi[1], ox + gi[2], oy + gi[3])
    x0, y0 = int(round(x)) + left, int(round(baseline)) + top
    ink[:, [0, 2]] += x0
    ink[:, [1, 3]] += y0
    return _Segment(x0, y0, mask, ink, pen / max(len(text), 1))


# --- the page canvas -------------------------------------------------------------------------------
class _Page:
    """A float32 grey canvas plus the ink of every text line drawn on it."""

    def __init__(self, width: int, height: int, value: float | np.ndarray = 235.0):
        self.w, self.h = width, height
        self.img = np.empty((height, width), np.float32)
        self.img[...] = value
        self.lines: list[np.ndarray] = []     # glyph ink boxes (n, 4) of each text line
        self.occupied: list[tuple] = []       # boxes of text and big objects, to place things in free space
        self.contrasts: list[tuple] = []      # (ink, background) grey of every labelled text field

    def blend(self, x0: int, y0: int, alpha: np.ndarray, value: float) -> None:
        """Paints `value` with coverage alpha (float 0..1, top-left at x0, y0), clipped to the canvas."""
        h, w = alpha.shape
        xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x0 + w, self.w), min(y0 + h, self.h)
        if xa >= xb or ya >= yb:
            return
        a = alpha[ya - y0: yb - y0, xa - x0: xb - x0]
        region = self.img[ya:yb, xa:xb]
        region += a * (value - region)

    def paste(self, x0: int, y0: int, patch: np.ndarray) -> None:
        h, w = patch.shape
        xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x0 + w, self.w), min(y0 + h, self.h)
        if xa < xb and ya < yb:
            self.img[ya:yb, xa:xb] = patch[ya - y0: yb - y0, xa - x0: xb - x0]

    def text_row(self, segments: list[_Segment], value: float, opacity: float = 1.0, label: bool = True,
                 bold: int = 0) -> None:
        """Draws the fields of one row; fields closer than MERGE_GAP_CHARS character widths share a box.
        A field that would touch an earlier one of the row is dropped."""
        kept: list[_Segment] = []
        for s in segments:
            if s is None:
                continue
            x0, x1 = s.ink[:, 0].min(), s.ink[:, 2].max()
            if all(x1 + 0.5 * s.char_w <= k.ink[:, 0].min() or x0 >= k.ink[:, 2].max() + 0.5 * s.char_w for k in kept):
                kept.append(s)
        if not kept:
            return
        for s in kept:
            m = s.mask
            if bold:
                m = cv2.dilate(m, np.ones((1 + bold, 1 + bold), np.uint8))
                s.ink[:, 2:] += bold
            h, w = m.shape
            under = self.img[max(s.y0, 0): max(0, s.y0 + h), max(s.x0, 0): max(0, s.x0 + w)]
            if label and under.size:
                self.contrasts.append((value, float(under.mean())))
            self.blend(s.x0, s.y0, m.astype(np.float32) * (opacity / 255.0), value)
        self.occupied += [(s.ink[:, 0].min(), s.ink[:, 1].min(), s.ink[:, 2].max(), s.ink[:, 3].max()) for s in kept]
        if not label:
            return
        kept.sort(key=lambda s: s.ink[:, 0].min())
        group = [kept[0]]
        for s in kept[1:]:
            gap = s.ink[:, 0].min() - max(g.ink[:, 2].max() for g in group)
            char_w = max(g.char_w for g in group + [s])
            if gap <= MERGE_GAP_CHARS * char_w:
                group.append(s)
            else:
                self.lines.append(np.concatenate([g.ink for g in group]))
                group = [s]
        self.lines.append(np.concatenate([g.ink for g in group]))

    def is_free(self, box, pad: float = 0.0) -> bool:
        x0, y0, x1, y1 = box
        return all(x1 + pad <= a or x0 - pad >= c or y1 + pad <= b or y0 - pad >= d for a, b, c, d in self.occupied)


# --- random helpers ----------------------------------------------------------------------------------
def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def _texture(h: int, w: int, rng: random.Random, nrng: np.random.Generator, strength: float) -> np.ndarray:
    """Smooth random field with zero mean, about `strength` grey levels of spread."""
    h, w = max(h, 1), max(w, 1)
    scale = rng.choice([2, 4, 8, 16, 32])
    small = nrng.standard_normal((h // scale + 2, w // scale + 2), dtype=np.float32)
    tex = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR if scale > 2 else cv2.INTER_NEAREST)
    if rng.random() < 0.5:
        tex = cv2.GaussianBlur(tex, (0, 0), rng.uniform(0.5, 2.0))
    return tex * (strength / max(float(tex.std()), 1e-3))


def _photo_patch(h: int, w: int, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """Photo-like grey patch: a few octaves of noise and some blurred shapes."""
    img = np.full((max(h, 1), max(w, 1)), rng.uniform(40, 220), np.float32)
    for _ in range(rng.randint(1, 3)):
        img += _texture(h, w, rng, nrng, rng.uniform(5, 40))
    for _ in range(rng.randint(0, 6)):
        cx, cy = rng.randint(0, w), rng.randint(0, h)
        axes = (rng.randint(4, max(5, w // 2)), rng.randint(4, max(5, h // 2)))
        cv2.ellipse(img, (cx, cy), axes, rng.uniform(0, 180), 0, 360, rng.uniform(0, 255), -1, cv2.LINE_AA)
    if rng.random() < 0.7:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(1, 6))
    return np.clip(img, 0, 255)


class _Ctx:
    """What a layout needs: randomness, fonts, text and the ink colour of the page."""

    def __init__(self, rng: random.Random, fonts: list[Font]):
        self.rng = rng
        self.nrng = np.random.default_rng(rng.getrandbits(32))
        self.groups = list(by_group(fonts).values())
        self.mono = [f for f in fonts if _MONO.search(f.family)] or list(fonts)
        self.text = TextSampler(rng)
        self.paper = 235.0
        self.ink = 30.0

    def font(self, mono: bool = False) -> Font:
        if mono:
            return self.rng.choice(self.mono)
        return self.rng.choice(self.rng.choice(self.groups))

    def sibling(self, font: Font) -> Font:
        """Another face of the same family (often the bold or italic)."""
        for group in self.groups:
            if group[0].group == font.group:
                return self.rng.choice(group)
        return font

    def clean(self, text: str, font: Font) -> str:
        return " ".join("".join(c for c in text if c in font.chars).split())

    def ink_value(self, background: float) -> float:
        """An ink grey with enough contrast against `background`."""
        rng = self.rng
        contrast = rng.uniform(60, 220) if rng.random() < 0.85 else rng.uniform(35, 60)
        if background - contrast >= 0 and (background > 110 or background + contrast > 255):
            return background - contrast * rng.uniform(0.8, 1.0)
        return min(255.0, background + contrast)


def _wrap(words: list[str], glyphs: _Glyphs, width: float) -> list[str]:
    space = glyphs.get(" ")[3]
    lines, cur, cur_w = [], [], 0.0
    for word in words:
        ww = glyphs.width(word)
        if cur and cur_w + space + ww > width:
            lines.append(" ".join(cur))
            cur, cur_w = [], 0.0
        cur.append(word)
        cur_w = ww if len(cur) == 1 else cur_w + space + ww
    if cur:
        lines.append(" ".join(cur))
    return lines


"""Synthetic pages for the text detector, rendered on the fly, with a tight box around every text line.

Layouts are mixed at random: documents (1-3 columns, headings, paragraphs, lists, figures), receipts
(narrow paper, centred headers, item rows with right-aligned prices or dotted leaders), forms and tables
(ruled grids, labelled fields), slides, labels, and text over photo-like textures. Distractors (rules,
boxes, blobs, barcodes, stamps, noise patches, scribbles) are drawn as non-text. The page is then shot
(perspective, rotation, shadows, uneven light) or scanned (noise, blur, JPEG, binarisation).

Ground truth: the ink of each line is tracked through the page transform; a line's box is the
axis-aligned bbox of its transformed ink, its quad the transformed ink rectangle (for the per-column
targets of tilted lines). Fields of one row separated by more than 3 character widths of empty space are
separate boxes (a price column far from the item name); dotted leaders join them into one line. Lines
cut by the image border so that less than 70 % of their height shows are returned as `ignore` regions.

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
import torch
from PIL import Image, ImageDraw, ImageFont
from torch.utils.data import IterableDataset, get_worker_info

from ..recognition.vocab import DEFAULT_CHARSET
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


# --- layouts ---------------------------------------------------------------------------------------
def _paragraphs(page: _Page, ctx: _Ctx, x0: float, x1: float, y: float, y_end: float, size: int, font: Font,
                value: float) -> float:
    """Fills the column [x0, x1] from y down with headings, paragraphs, lists and figures."""
    rng = ctx.rng
    g = _glyphs(font, size)
    leading = size * rng.uniform(1.15, 1.75)
    width = x1 - x0
    while y < y_end:
        r = rng.random()
        if r < 0.12:  # heading
            hsize = max(size + 2, int(size * rng.uniform(1.2, 2.2)))
            hf = ctx.sibling(font) if rng.random() < 0.6 else ctx.font()
            hg = _glyphs(hf, hsize)
            text = ctx.clean(ctx.text.prose(rng.randint(1, 7)).rstrip(".,;:"), hf)
            if rng.random() < 0.3:
                text = f"{rng.randint(1, 12)}{rng.choice(['.', '', '.' + str(rng.randint(1, 9))])} {text}"
            y += hsize * rng.uniform(0.6, 1.2)
            for line in _wrap(text.split(), hg, width)[:2]:
                y += hsize * 1.05
                lw = hg.width(line)
                xx = x0 + ((width - lw) / 2 if rng.random() < 0.3 else 0)
                page.text_row([_compose(line, hg, xx, y)], value, bold=int(rng.random() < 0.2))
            y += hsize * 0.3
        elif r < 0.19:  # figure or photo with a caption
            fh = min(int(rng.uniform(3, 14) * leading), max(0, int(y_end - y)))
            fw = int(width * rng.uniform(0.4, 1.0))
            if fh > 12 and fw > 12:
                fx = int(x0 + (width - fw) * rng.random())
                if rng.random() < 0.5:
                    page.paste(fx, int(y), _photo_patch(fh, fw, rng, ctx.nrng))
                else:
                    _chart(page, ctx, fx, int(y), fw, fh, value)
                page.occupied.append((fx, y, fx + fw, y + fh))
                y += fh + leading
                cap = ctx.clean(f"{rng.choice(['Figure', 'Fig.', 'Table', 'Plate'])} {rng.randint(1, 20)}. "
                                + ctx.text.prose(rng.randint(3, 16)), font)
                for line in _wrap(cap.split(), g, width)[:2]:
                    page.text_row([_compose(line, g, x0, y)], value)
                    y += leading
        elif r < 0.27:  # list
            bullet = rng.choice(["dot", "dash", "num", "square"])
            for k in range(rng.randint(2, 6)):
                y += leading
                indent = size * rng.uniform(1.2, 2.5)
                marker = None
                if bullet == "num":
                    marker = _compose(f"{k + 1}.", g, x0, y)
                elif bullet == "dash":
                    page.text_row([_compose("-", g, x0, y)], value, label=False)
                else:
                    r_ = max(1, int(size * 0.15))
                    c = (int(x0 + r_ + 1), int(y - size * 0.3))
                    if bullet == "dot":
                        cv2.circle(page.img, c, r_, value, -1, cv2.LINE_AA)
                    else:
                        cv2.rectangle(page.img, (c[0] - r_, c[1] - r_), (c[0] + r_, c[1] + r_), value, -1)
                words = ctx.clean(ctx.text.prose(rng.randint(2, 25)), font).split()
                for j, line in enumerate(_wrap(words, g, width - indent)[:3]):
                    if j:
                        y += leading
                    # A number is its item's first word when close enough (the gap rule of text_row).
                    page.text_row([_compose(line, g, x0 + indent, y)] + ([marker] if j == 0 and marker else []), value)
            y += leading * rng.uniform(0.3, 1.0)
        else:  # paragraph
            n_lines = rng.randint(1, 10)
            words = ctx.clean(ctx.text.prose(int(n_lines * width / (size * 3.2)) + 2), font).split()
            indent = size * rng.uniform(1, 3) if rng.random() < 0.4 else 0.0
            lines = _wrap(words, g, width - indent) if words else []
            align = rng.choice(["left", "left", "left", "centre", "right"]) if len(lines) < 3 else "left"
            for j, line in enumerate(lines[:n_lines]):
                y += leading
                lw = g.width(line)
                xx = x0 + (indent if j == 0 else 0)
                if align == "centre":
                    xx = x0 + (width - lw) / 2
                elif align == "right":
                    xx = x1 - lw
                page.text_row([_compose(line, g, xx, y)], value)
            y += leading * rng.uniform(0.2, 1.2)
    return y


def _document(page: _Page, ctx: _Ctx) -> None:
    rng = ctx.rng
    W, H = page.w, page.h
    size = int(_log_uniform(rng, 8, 30) if rng.random() < 0.85 else _log_uniform(rng, 28, 56))
    font = ctx.font()
    value = ctx.ink_value(ctx.paper)
    margin = W * rng.uniform(-0.08, 0.12)
    max_cols = max(1, int((W - 2 * margin) / (size * 14)))
    n_cols = min(max_cols, rng.choice([1, 1, 1, 2, 2, 3]))
    gutter = size * rng.uniform(1.2, 4.0)
    col_w = (W - 2 * margin - (n_cols - 1) * gutter) / n_cols
    y = H * rng.uniform(-0.1, 0.1)
    if rng.random() < 0.35:  # a title across the page
        tsize = int(min(80, size * rng.uniform(1.5, 3.0)))
        tf = ctx.sibling(font)
        tg = _glyphs(tf, tsize)
        text = ctx.clean(ctx.text.prose(rng.randint(2, 9)).rstrip(".,"), tf)
        for line in _wrap(text.split(), tg, W - 2 * margin)[:2]:
            y += tsize * 1.15
            lw = tg.width(line)
            page.text_row([_compose(line, tg, margin + (W - 2 * margin - lw) / 2 * (rng.random() < 0.6), y)], value)
        y += tsize * rng.uniform(0.5, 1.5)
    for c in range(n_cols):
        x0 = margin + c * (col_w + gutter)
        _paragraphs(page, ctx, x0, x0 + col_w, y, H + size, size, font, value)
    if rng.random() < 0.3:  # page number or running footer
        g = _glyphs(font, max(8, size - 2))
        text = str(rng.randint(1, 999)) if rng.random() < 0.6 else ctx.clean(ctx.text.prose(rng.randint(2, 6)), font)
        page.text_row([_compose(text, g, W * rng.uniform(0.1, 0.8), H - size * rng.uniform(0.5, 2))], value)
    if rng.random() < 0.3 and n_cols > 1:  # column rule
        x = int(margin + col_w + gutter / 2)
        cv2.line(page.img, (x, int(y)), (x, H), value, 1, cv2.LINE_AA)


def _receipt(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    mono = rng.random() < 0.65
    font = ctx.font(mono=mono)
    size = int(_log_uniform(rng, 9, 36))
    g = _glyphs(font, size)
    char_w = g.get("0")[3] or size * 0.6
    paper_w = int(np.clip(W * rng.uniform(0.45, 1.1), char_w * 16, W * 1.2))
    px0 = int((W - paper_w) * rng.uniform(0.1, 0.9)) if paper_w < W else int((W - paper_w) / 2)
    if paper_w < W * 0.95:  # the table the receipt lies on
        page.img[...] = _photo_patch(H, W, rng, ctx.nrng) * rng.uniform(0.3, 1.0)
        paper = np.full((H, paper_w), ctx.paper, np.float32) + _texture(H, paper_w, rng, ctx.nrng, rng.uniform(0, 6))
        xa, xb = max(px0, 0), min(px0 + paper_w, W)
        page.img[:, xa:xb] = paper[:, xa - px0: xb - px0]
        page.occupied.append((0, 0, max(xa, 0), H))
        page.occupied.append((xb, 0, W, H))
    value = ctx.ink_value(ctx.paper)
    pad = char_w * rng.uniform(0.5, 3)
    left, right = px0 + pad, px0 + paper_w - pad
    avail = right - left
    n_chars = max(8, int(avail / char_w))
    leading = size * rng.uniform(1.1, 1.7)
    y = rng.uniform(-0.3, 0.15) * H
    upper = rng.random() < 0.8
    row = 0
    text = ctx.text

    def up(s: str) -> str:
        return ctx.clean(s.upper() if upper else s, font)

    def field(s: str, x: float, align: str = "left", gl: _Glyphs = g):
        w = gl.width(s)
        x = x - w if align == "right" else (x - w / 2 if align == "centre" else x)
        return _compose(s, gl, x, y)

    n_header = rng.randint(2, 7)
    while y < H + size:
        y += leading
        if row < n_header:  # centred header: shop name, address, phone
            hs = size if row else int(size * rng.uniform(1.0, 1.8))
            hg = _glyphs(font, hs)
            s = up(rng.choice([text.receipt(rng.randint(1, 5)), text.line(DEFAULT_CHARSET, n_chars), text.code()]))
            s = s[: max(1, int(avail / (hg.get("0")[3] or 1)))]
            if row == 0:
                y += hs - size
            page.text_row([field(s, (left + right) / 2, "centre", hg)], value, bold=int(row == 0 and rng.random() < 0.3))
        else:
            r = rng.random()
            if r < 0.1:  # separator: not text
                ch = rng.choice("-=*_.~")
                page.text_row([field(ch * n_chars, left)], value, label=False)
            elif r < 0.55:  # item row: name ... price, optional quantity column
                name = up(" ".join(text.word() for _ in range(rng.randint(1, 4))))[: int(n_chars * 0.6)]
                price = up(text.price())
                if rng.random() < 0.15:  # dotted leaders make one line of the row
                    dots = max(2, n_chars - len(name) - len(price) - 2)
                    page.text_row([field(f"{name} {'.' * dots} {price}", left)], value)
                else:
                    fields = [field(name, left), field(price, right, "right")]
                    if rng.random() < 0.4:
                        fields.append(field(up(rng.choice([str(rng.randint(1, 20)), f"{rng.randint(1, 9)} x", text.price()])),
                                            left + avail * rng.uniform(0.5, 0.7), "right"))
                    page.text_row(fields, value)
            elif r < 0.75:  # label ... value
                label = up(text.receipt(rng.randint(1, 3)))[: int(n_chars * 0.5)]
                val = up(rng.choice([text.price(), text.date(), text.code(), text.number()]))
                if rng.random() < 0.5:
                    page.text_row([field(f"{label}{rng.choice([':', ' :', ''])} {val}", left)], value)
                else:
                    page.text_row([field(label, left), field(val, right, "right")], value,
                                  bold=int(rng.random() < 0.15))
            elif r < 0.85:  # column headers at tab stops
                n = rng.randint(2, 4)
                stops = sorted(rng.uniform(0, 1) for _ in range(n))
                page.text_row([field(up(rng.choice(["QTY", "UOM", "PRICE", "AMT", "AMOUNT", "DISC", "TAX", "ITEM", "RM", "TOTAL"])),
                                     left + avail * s) for s in stops], value)
            elif r < 0.9:  # blank row
                pass
            elif r < 0.95 and y < H:  # barcode or QR code
                bh = int(size * rng.uniform(1.5, 4))
                if rng.random() < 0.7:
                    _barcode(page, ctx, int(left + avail * rng.uniform(0, 0.3)), int(y - size), int(avail * rng.uniform(0.4, 0.8)), bh, value)
                else:
                    _qr(page, ctx, int((left + right) / 2 - bh), int(y - size), 2 * bh, value)
                y += bh
            else:
                s = up(text.line(DEFAULT_CHARSET, n_chars))
                page.text_row([field(s, (left + right) / 2, "centre")], value)
        row += 1


def _table(page: _Page, ctx: _Ctx, x0: int, y0: int, w: int, h: int, size: int, font: Font, value: float) -> None:
    rng = ctx.rng
    g = _glyphs(font, size)
    row_h = size * rng.uniform(1.5, 2.6)
    n_rows = max(1, int(h / row_h))
    n_cols = rng.randint(2, max(2, min(7, int(w / (size * 4)))))
    weights = np.array([rng.uniform(0.5, 2.0) for _ in range(n_cols)])
    xs = x0 + np.concatenate([[0], np.cumsum(weights / weights.sum() * w)])
    rules = rng.choice(["grid", "grid", "rows", "none", "header"])
    thick = rng.choice([1, 1, 1, 2, 3])
    if rng.random() < 0.3:  # shaded header row
        page.img[max(y0, 0): max(0, int(y0 + row_h)), max(x0, 0): max(0, x0 + w)] *= rng.uniform(0.7, 0.9)
    kinds = [rng.choice(["word", "number", "price", "date", "code", "words"]) for _ in range(n_cols)]
    for r in range(n_rows):
        y = y0 + r * row_h
        baseline = y + (row_h + size * 0.7) / 2
        segs = []
        for c in range(n_cols):
            if rng.random() < 0.12:
                continue
            kind = "words" if r == 0 else kinds[c]
            s = {"word": ctx.text.word, "number": ctx.text.number, "price": ctx.text.price, "date": ctx.text.date,
                 "code": ctx.text.code, "words": lambda: ctx.text.prose(rng.randint(1, 3))}[kind]()
            s = ctx.clean(s, font)
            cw = xs[c + 1] - xs[c] - size * 0.6
            while s and g.width(s) > cw:
                s = s[:-1].rstrip()
            if not s:
                continue
            sw = g.width(s)
            align = "right" if kind in ("number", "price") and r else rng.choice(["left", "left", "centre"])
            xx = xs[c] + size * 0.3 if align == "left" else (xs[c + 1] - size * 0.3 - sw if align == "right" else (xs[c] + xs[c + 1] - sw) / 2)
            segs.append(_compose(s, g, xx, baseline))
        bold = int(r == 0 and rng.random() < 0.3)
        if rules == "grid":  # ruled cells: one box per cell
            for s in segs:
                page.text_row([s], value, bold=bold)
        else:  # unruled: cells close together form one line (the gap rule of text_row)
            page.text_row(segs, value, bold=bold)
        if rules in ("grid", "rows") or (rules == "header" and r <= 1):
            yy = int(y)
            cv2.line(page.img, (int(x0), yy), (int(x0 + w), yy), value, thick, cv2.LINE_AA)
    if rules in ("grid", "rows"):
        yy = int(y0 + n_rows * row_h)
        cv2.line(page.img, (int(x0), yy), (int(x0 + w), yy), value, thick, cv2.LINE_AA)
    if rules == "grid":
        for x in xs:
            cv2.line(page.img, (int(x), int(y0)), (int(x), int(y0 + n_rows * row_h)), value, thick, cv2.LINE_AA)


def _form(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    font = ctx.font()
    size = int(_log_uniform(rng, 9, 32))
    value = ctx.ink_value(ctx.paper)
    margin = int(W * rng.uniform(0.0, 0.1))
    y = int(H * rng.uniform(-0.05, 0.1))
    g = _glyphs(font, size)
    while y < H:
        r = rng.random()
        if r < 0.45:
            th = int(min(H - y, size * rng.uniform(6, 30)))
            if th > size * 2:
                _table(page, ctx, margin, y, W - 2 * margin, th, size, font, value)
            y += th + int(size * rng.uniform(0.5, 2))
        elif r < 0.8:  # labelled fields: "Name: ____ value" with an underline, checkboxes
            for _ in range(rng.randint(1, 5)):
                y += int(size * rng.uniform(1.6, 2.6))
                x = margin
                while x < W - margin - size * 4:
                    label = ctx.clean(ctx.text.word().capitalize() + rng.choice([":", "", " No.:", " / date:"]), font)
                    seg = _compose(label, g, x, y)
                    if seg is None:
                        break
                    row = [seg]
                    x = int(seg.ink[:, 2].max() + size * 0.5)
                    fw = int(size * rng.uniform(4, 16))
                    if rng.random() < 0.2:  # checkbox
                        cv2.rectangle(page.img, (x, int(y - size * 0.75)), (x + int(size * 0.75), y), value, 1)
                        fw = size
                    else:
                        cv2.line(page.img, (x, y + 2), (min(W, x + fw), y + 2), value, 1, cv2.LINE_AA)
                        if rng.random() < 0.6:  # a filled-in value: one box with its label when close to it
                            vfont = ctx.font()
                            v = ctx.clean(rng.choice([ctx.text.word(), ctx.text.date(), ctx.text.number(), ctx.text.code()]), vfont)
                            vg = _glyphs(vfont, max(8, int(size * rng.uniform(0.8, 1.2))))
                            row.append(_compose(v, vg, x + size * rng.uniform(0.3, 1.5), y - 1))
                    page.text_row(row, value)
                    x += fw + int(size * rng.uniform(1, 4))
            y += size
        else:
            y = int(_paragraphs(page, ctx, margin, W - margin, y, y + size * rng.uniform(3, 10), size, font, value))


def _slide(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    dark = rng.random() < 0.35
    bg = rng.uniform(10, 90) if dark else rng.uniform(170, 255)
    ramp = np.linspace(0, rng.uniform(-40, 40), H if rng.random() < 0.5 else W, dtype=np.float32)
    page.img[...] = bg + (ramp[:, None] if len(ramp) == H else ramp[None, :])
    value = ctx.ink_value(bg)
    font = ctx.font()
    margin = W * rng.uniform(-0.05, 0.1)
    tsize = int(_log_uniform(rng, 24, 84))
    tfont = ctx.sibling(font)
    tg = _glyphs(tfont, tsize)
    y = H * rng.uniform(-0.05, 0.08)
    if rng.random() < 0.4:  # title band
        page.img[max(0, int(y)): max(0, int(y + tsize * 1.8)), :] = ctx.ink_value(bg) if rng.random() < 0.5 else bg * 0.8
        value_t = ctx.ink_value(float(page.img[max(0, min(H - 1, int(y + tsize))), W // 2]))
    else:
        value_t = value
    title = ctx.clean(ctx.text.prose(rng.randint(1, 6)).rstrip(".,"), tfont)
    for line in _wrap(title.split(), tg, W - 2 * margin)[:2]:
        y += tsize * 1.15
        lw = tg.width(line)
        page.text_row([_compose(line, tg, margin + ((W - 2 * margin - lw) / 2 if rng.random() < 0.5 else 0), y)], value_t)
    y += tsize * 0.5
    size = int(_log_uniform(rng, 12, 44))
    g = _glyphs(font, size)
    leading = size * rng.uniform(1.3, 2.0)
    for _ in range(rng.randint(1, 8)):
        y += leading
        if y > H + size:
            break
        indent = size * (1.5 if rng.random() < 0.8 else 3)
        r_ = max(2, size // 5)
        cv2.circle(page.img, (int(margin + indent / 2), int(y - size * 0.35)), r_, value, -1, cv2.LINE_AA)
        words = ctx.clean(ctx.text.prose(rng.randint(1, 14)), font).split()
        for j, line in enumerate(_wrap(words, g, W - 2 * margin - indent)[:2]):
            if j:
                y += leading * 0.8
            page.text_row([_compose(line, g, margin + indent, y)], value)
    if rng.random() < 0.5:
        fg = _glyphs(font, max(8, size // 2))
        page.text_row([_compose(str(rng.randint(1, 60)), fg, W - margin - size, H - size * 0.6)], value)


def _label(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    page.img[...] = _photo_patch(H, W, rng, ctx.nrng) if rng.random() < 0.6 else ctx.paper
    for _ in range(rng.randint(1, 3)):
        lw, lh = int(W * rng.uniform(0.3, 0.9)), int(H * rng.uniform(0.2, 0.7))
        lx, ly = rng.randint(-lw // 4, max(1, W - lw * 3 // 4)), rng.randint(-lh // 4, max(1, H - lh * 3 // 4))
        if not page.is_free((lx, ly, lx + lw, ly + lh)):
            continue
        bg = rng.uniform(150, 255) if rng.random() < 0.8 else rng.uniform(0, 80)
        page.img[max(ly, 0): max(0, ly + lh), max(lx, 0): max(0, lx + lw)] = bg
        value = ctx.ink_value(bg)
        if rng.random() < 0.6:
            cv2.rectangle(page.img, (lx + 3, ly + 3), (lx + lw - 4, ly + lh - 4), value, rng.choice([1, 2, 3]))
        font = ctx.font()
        y = ly + lh * rng.uniform(0.05, 0.2)
        for _ in range(rng.randint(1, 6)):
            size = int(_log_uniform(rng, 10, 72))
            if y + size * 1.3 > ly + lh:
                break
            lfont = font if rng.random() < 0.7 else ctx.font()
            g = _glyphs(lfont, size)
            s = ctx.clean(rng.choice([ctx.text.line(DEFAULT_CHARSET, 30), ctx.text.price(), ctx.text.code(), ctx.text.word().upper()]), lfont)
            while s and g.width(s) > lw * 0.95:
                s = s[:-1].rstrip()
            y += size * rng.uniform(1.1, 1.5)
            if not s:
                continue
            invert = rng.random() < 0.15
            v = value
            if invert:
                band = ctx.ink_value(bg)
                page.img[max(0, int(y - size * 1.05)): max(0, int(y + size * 0.35)), max(lx, 0): max(0, lx + lw)] = band
                v = ctx.ink_value(band)
            sw = g.width(s)
            page.text_row([_compose(s, g, lx + (lw - sw) / 2 * rng.uniform(0, 2), y)], v)
        page.occupied.append((lx, ly, lx + lw, ly + lh))
        if rng.random() < 0.3 and y + 30 < ly + lh:
            _barcode(page, ctx, lx + lw // 8, int(y + 8), lw * 3 // 4, int(min(ly + lh - y - 10, 60)), value)


def _scene(page: _Page, ctx: _Ctx) -> None:
    """Short texts on photo-like textures, some on signs."""
    rng, W, H = ctx.rng, page.w, page.h
    page.img[...] = _photo_patch(H, W, rng, ctx.nrng)
    for _ in range(rng.randint(2, 12)):
        font = ctx.font()
        size = int(_log_uniform(rng, 10, 80))
        g = _glyphs(font, size)
        s = ctx.clean(rng.choice([" ".join(ctx.text.word() for _ in range(rng.randint(1, 4))), ctx.text.price(),
                                  ctx.text.code(), ctx.text.number(), ctx.text.line(DEFAULT_CHARSET, 24)]), font)
        if rng.random() < 0.4:
            s = s.upper()
        s = ctx.clean(s, font)
        if not s:
            continue
        sw = g.width(s)
        x, y = rng.uniform(-0.1 * sw, W - 0.9 * sw), rng.uniform(size, H + size * 0.2)
        box = (x - size * 0.3, y - size * 1.1, x + sw + size * 0.3, y + size * 0.4)
        if not page.is_free(box, pad=size * 0.2):
            continue
        if rng.random() < 0.5:  # a sign behind the text
            bg = rng.uniform(0, 255)
            cv2.rectangle(page.img, (int(box[0]), int(box[1])), (int(box[2]), int(box[3])), bg, -1, cv2.LINE_AA)
        xa, ya = int(np.clip(box[0], 0, W - 1)), int(np.clip(box[1], 0, H - 1))
        xb, yb = int(np.clip(box[2], xa + 1, W)), int(np.clip(box[3], ya + 1, H))
        local = float(page.img[ya:yb, xa:xb].mean())
        page.text_row([_compose(s, g, x, y)], ctx.ink_value(local), bold=int(rng.random() < 0.2))


# --- distractors -----------------------------------------------------------------------------------
def _barcode(page: _Page, ctx: _Ctx, x: int, y: int, w: int, h: int, value: float) -> None:
    rng = ctx.rng
    unit = rng.choice([1, 1, 2, 2, 3])
    widths = ctx.nrng.integers(1, 5, size=max(4, w // (2 * unit))) * unit
    xs = x + np.concatenate([[0], np.cumsum(widths)])
    for k in range(0, len(widths) - 1, 2):
        if xs[k] >= x + w:
            break
        cv2.rectangle(page.img, (int(xs[k]), y), (int(xs[k + 1]) - 1, y + h), value, -1)
    page.occupied.append((x, y, x + w, y + h))


def _qr(page: _Page, ctx: _Ctx, x: int, y: int, side: int, value: float) -> None:
    n = ctx.rng.choice([21, 25, 29])
    cells = (ctx.nrng.random((n, n)) < 0.5).astype(np.float32)
    for cx, cy in ((0, 0), (n - 7, 0), (0, n - 7)):
        cells[cy: cy + 7, cx: cx + 7] = 1
        cells[cy + 1: cy + 6, cx + 1: cx + 6] = 0
        cells[cy + 2: cy + 5, cx + 2: cx + 5] = 1
    page.blend(x, y, cv2.resize(cells, (side, side), interpolation=cv2.INTER_NEAREST), value)
    page.occupied.append((x, y, x + side, y + side))


def _chart(page: _Page, ctx: _Ctx, x: int, y: int, w: int, h: int, value: float) -> None:
    rng = ctx.rng
    cv2.line(page.img, (x, y + h), (x + w, y + h), value, 1, cv2.LINE_AA)
    cv2.line(page.img, (x, y), (x, y + h), value, 1, cv2.LINE_AA)
    for _ in range(rng.randint(1, 3)):
        n = rng.randint(4, 30)
        ys = np.cumsum(ctx.nrng.standard_normal(n))
        ys = (ys - ys.min()) / max(np.ptp(ys), 1e-3)
        pts = np.stack([x + np.linspace(0, w, n), y + h - ys * h * 0.9], 1).astype(np.int32)
        cv2.polylines(page.img, [pts], False, value, rng.choice([1, 2]), cv2.LINE_AA)


def _distractors(page: _Page, ctx: _Ctx, n: int) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    for _ in range(n):
        kind = rng.choice(["rule", "rule", "box", "blob", "patch", "stamp", "barcode", "scribble", "dots", "qr", "dashes"])
        w, h = int(W * rng.uniform(0.05, 0.5)), int(H * rng.uniform(0.03, 0.3))
        x, y = rng.randint(-w // 4, W - w // 2), rng.randint(-h // 4, H - h // 2)
        overlap_ok = kind in ("stamp", "scribble") and rng.random() < 0.5
        if not overlap_ok and not page.is_free((x, y, x + w, y + h), pad=4):
            continue
        local = float(page.img[int(np.clip(y + h // 2, 0, H - 1)), int(np.clip(x + w // 2, 0, W - 1))])
        v = ctx.ink_value(local)
        t = rng.choice([1, 1, 2, 3, 5])
        if kind == "rule":
            if rng.random() < 0.6:
                cv2.line(page.img, (x, y), (x + w, y), v, t, cv2.LINE_AA)
            else:
                cv2.line(page.img, (x, y), (x, y + h), v, t, cv2.LINE_AA)
        elif kind == "box":
            cv2.rectangle(page.img, (x, y), (x + w, y + h), v, t if rng.random() < 0.8 else -1, cv2.LINE_AA)
        elif kind == "blob":
            cv2.ellipse(page.img, (x + w // 2, y + h // 2), (max(1, w // 2), max(1, h // 2)), rng.uniform(0, 180), 0, 360, v, -1, cv2.LINE_AA)
        elif kind == "patch":
            page.paste(x, y, _photo_patch(h, w, rng, ctx.nrng))
        elif kind == "stamp":
            r = max(6, min(w, h) // 2)
            cv2.circle(page.img, (x + r, y + r), r, v, max(1, t), cv2.LINE_AA)
            cv2.circle(page.img, (x + r, y + r), max(2, int(r * 0.7)), v, 1, cv2.LINE_AA)
        elif kind == "barcode":
            _barcode(page, ctx, x, y, w, max(8, h // 2), v)
        elif kind == "qr":
            _qr(page, ctx, x, y, max(16, min(w, h)), v)
        elif kind == "scribble":
            n = rng.randint(5, 40)
            pts = np.stack([x + np.cumsum(ctx.nrng.uniform(0, w / n * 2, n)),
                            y + h / 2 + np.cumsum(ctx.nrng.standard_normal(n)) * h / 6], 1).astype(np.int32)
            cv2.polylines(page.img, [pts], False, v, rng.choice([1, 2]), cv2.LINE_AA)
        elif kind == "dots":
            for _ in range(rng.randint(3, 40)):
                cv2.circle(page.img, (rng.randint(x, x + w), rng.randint(y, y + h)), rng.randint(1, 4), v, -1, cv2.LINE_AA)
        else:  # dashes: a dashed separator
            step = rng.randint(4, 12)
            for xx in range(x, x + w, step):
                cv2.line(page.img, (xx, y), (xx + step // 2, y), v, t, cv2.LINE_AA)
        if kind not in ("stamp", "scribble", "rule"):
            page.occupied.append((x, y, x + w, y + h))


# --- camera and scanner ----------------------------------------------------------------------------
def _homography(rng: random.Random, pw: int, ph: int, W: int, H: int, photo: bool) -> np.ndarray | None:
    if photo:
        s = rng.uniform(0.75, 1.0)
        cx, cy = W / 2 + rng.uniform(-0.1, 0.1) * W, H / 2 + rng.uniform(-0.1, 0.1) * H
        ang = math.radians(rng.gauss(0, 3.0))
        src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
        rel = (src - [pw / 2, ph / 2]) * s
        jitter = np.float32([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * 0.05 * [pw, ph]
        rel = rel + jitter
        rot = np.float32([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
        dst = rel @ rot.T + [cx, cy]
        return cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    if rng.random() < 0.35:  # slightly rotated scan
        m = cv2.getRotationMatrix2D((W / 2, H / 2), rng.gauss(0, 1.2), 1.0)
        return np.vstack([m, [0, 0, 1]]).astype(np.float64)
    return None


def _lighting(img: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    H, W = img.shape
    gain = cv2.resize(nrng.uniform(0.75, 1.1, (3, 3)).astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
    img = img * gain
    if rng.random() < 0.5:  # a soft shadow
        pts = np.int32([[rng.randint(-W // 2, W), rng.randint(-H // 2, H)] for _ in range(rng.randint(3, 6))])
        shadow = np.zeros((H, W), np.float32)
        cv2.fillPoly(shadow, [cv2.convexHull(pts)], 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(3, 30))
        img = img * (1 - rng.uniform(0.2, 0.6) * shadow)
    return img


def _binarisable(contrasts) -> bool:
    """Local thresholding keeps dark text on lighter ground with enough contrast; not light-on-dark text."""
    return all(b - a >= 50 for a, b in contrasts)


def _degrade(img: np.ndarray, rng: random.Random, nrng: np.random.Generator, photo: bool, contrasts=()) -> np.ndarray:
    H, W = img.shape
    if rng.random() < 0.2:  # resolution loss
        f = rng.uniform(1.3, 2.5)
        small = cv2.resize(img, (max(1, int(W / f)), max(1, int(H / f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (W, H), interpolation=rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC]))
    if rng.random() < (0.5 if photo else 0.3):
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.8 if photo else 1.0))
    if rng.random() < 0.05:
        k = rng.randint(3, 7)
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2] = 1.0 / k
        if rng.random() < 0.5:
            kernel = kernel.T.copy()
        img = cv2.filter2D(img, -1, kernel)
    if rng.random() < 0.6:
        img = img + nrng.standard_normal((H, W), dtype=np.float32) * rng.uniform(2, 14)
    img = np.clip(img, 0, 255).astype(np.uint8)
    r = rng.random()
    if not photo and r < 0.15 and _binarisable(contrasts):
        t, binary = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        # Otsu keeps the text only when the threshold falls between every line's ink and background.
        if rng.random() < 0.5 and all(min(a, b) + 15 < t < max(a, b) - 15 for a, b in contrasts):
            img = binary
        else:
            img = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, rng.choice([15, 31, 51]), rng.uniform(5, 15))
        if rng.random() < 0.3:
            speck = nrng.random((H, W)) < rng.uniform(0.0005, 0.005)
            img[speck] = 255 - img[speck]
    elif r < 0.55:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(20, 90)])
        if ok:
            img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    if rng.random() < 0.08:  # thicker or thinner strokes
        kernel = np.ones((2, 2), np.uint8)
        img = cv2.erode(img, kernel) if rng.random() < 0.6 else cv2.dilate(img, kernel)
    if rng.random() < 0.03:
        img = 255 - img
    return img


# --- the page --------------------------------------------------------------------------------------
@dataclass
class SyntheticPage:
    image: np.ndarray    # (H, W) uint8 grey
    boxes: np.ndarray    # (N, 4) float32 x0, y0, x1, y1: tight bbox of each line's ink, clipped to the image
    quads: np.ndarray    # (N, 4, 2) float32 each line's ink rectangle after the page transform (TL, TR, BR, BL)
    ignore: np.ndarray   # (M, 4, 2) float32 quads of lines cut by the border: neither text nor background


_LAYOUTS = ((_document, 0.32), (_receipt, 0.2), (_form, 0.15), (_slide, 0.1), (_label, 0.09), (_scene, 0.14))
PAGE_SIZES = ((512, 512), (384, 512), (512, 384), (448, 448), (640, 320), (320, 640))


def synthesize_page(rng: random.Random, fonts, width: int | None = None, height: int | None = None) -> SyntheticPage:
    """One random page (see the module docstring); all randomness comes from rng."""
    fonts = list(fonts)
    if not fonts:
        raise ValueError("no fonts to render with")
    if width is None or height is None:
        width, height = rng.choice(PAGE_SIZES)
    ctx = _Ctx(rng, fonts)
    photo = rng.random() < 0.35
    pw, ph = (int(width * rng.uniform(0.85, 1.15)), int(height * rng.uniform(0.85, 1.15))) if photo else (width, height)
    ctx.paper = rng.uniform(170, 255) if rng.random() < 0.85 else rng.uniform(100, 170)
    page = _Page(pw, ph, ctx.paper)
    if rng.random() < 0.4:
        page.img += _texture(ph, pw, rng, ctx.nrng, rng.uniform(1, 10))
    if rng.random() < 0.25:
        ramp = np.linspace(0, rng.uniform(-50, 50), pw, dtype=np.float32)
        page.img += ramp[None, :]
    layout = rng.choices([f for f, _ in _LAYOUTS], weights=[w for _, w in _LAYOUTS])[0]
    if rng.random() < 0.3:
        _distractors(page, ctx, rng.randint(1, 4))  # placed first: text avoids them
    if rng.random() > 0.03:  # a few pages hold no text at all
        layout(page, ctx)
    _distractors(page, ctx, rng.randint(0, 6))

    M = _homography(rng, pw, ph, width, height, photo)
    if M is None and (pw, ph) == (width, height):
        img = page.img
    elif photo:
        img = cv2.warpPerspective(page.img, M, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=-1)
        outside = img < 0
        if outside.any():
            surround = _photo_patch(height, width, rng, ctx.nrng) * rng.uniform(0.3, 1.0)
            img = np.where(outside, surround, img)
    else:
        img = cv2.warpPerspective(page.img, M, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if photo:
        img = _lighting(img, rng, ctx.nrng)
    image = _degrade(img, rng, ctx.nrng, photo, page.contrasts)
    boxes, quads, ignore = _line_geometry(page.lines, M, width, height)
    return SyntheticPage(image, boxes, quads, ignore)


def _line_geometry(lines: list[np.ndarray], M, width: int, height: int):
    """Boxes, quads and ignore quads of the drawn lines after the page transform."""
    if not lines:
        z = np.zeros((0, 4, 2), np.float32)
        return np.zeros((0, 4), np.float32), z, z
    counts = np.array([len(b) for b in lines])
    ink = np.concatenate(lines)                                   # glyph boxes
    corners = np.stack([ink[:, [0, 1]], ink[:, [2, 1]], ink[:, [2, 3]], ink[:, [0, 3]]], 1)  # (G, 4, 2)
    line_of = np.repeat(np.arange(len(lines)), counts)
    n = len(lines)
    rect = np.stack([np.full(n, np.inf), np.full(n, np.inf), np.full(n, -np.inf), np.full(n, -np.inf)], 1)
    np.minimum.at(rect[:, 0], line_of, ink[:, 0])
    np.minimum.at(rect[:, 1], line_of, ink[:, 1])
    np.maximum.at(rect[:, 2], line_of, ink[:, 2])
    np.maximum.at(rect[:, 3], line_of, ink[:, 3])
    quads = np.stack([rect[:, [0, 1]], rect[:, [2, 1]], rect[:, [2, 3]], rect[:, [0, 3]]], 1)
    if M is not None:
        corners = cv2.perspectiveTransform(corners.reshape(-1, 1, 2).astype(np.float64), M).reshape(-1, 4, 2)
        quads = cv2.perspectiveTransform(quads.reshape(-1, 1, 2).astype(np.float64), M).reshape(-1, 4, 2)
    full = np.stack([np.full(n, np.inf), np.full(n, np.inf), np.full(n, -np.inf), np.full(n, -np.inf)], 1)
    np.minimum.at(full[:, 0], line_of, corners[:, :, 0].min(1))
    np.minimum.at(full[:, 1], line_of, corners[:, :, 1].min(1))
    np.maximum.at(full[:, 2], line_of, corners[:, :, 0].max(1))
    np.maximum.at(full[:, 3], line_of, corners[:, :, 1].max(1))
    clipped = np.stack([full[:, 0].clip(0, width), full[:, 1].clip(0, height),
                        full[:, 2].clip(0, width), full[:, 3].clip(0, height)], 1)
    fh = np.maximum(full[:, 3] - full[:, 1], 1e-3)
    ch, cw = clipped[:, 3] - clipped[:, 1], clipped[:, 2] - clipped[:, 0]
    visible = (ch > 0) & (cw > 0)
    good = visible & (ch >= 0.7 * fh) & (cw >= np.minimum(full[:, 2] - full[:, 0], 0.6 * fh)) & (fh >= 3)
    return (clipped[good].astype(np.float32), quads[good].astype(np.float32),
            quads[visible & ~good].astype(np.float32))


def render_page(rng: random.Random, fonts, width: int | None = None, height: int | None = None):
    """(grey uint8 image (H, W), (N, 4) float32 line boxes [x0, y0, x1, y1] tight around each line's ink).

    Lines cut by the border are left out (see synthesize_page for them and for the tilted-line quads).
    """
    page = synthesize_page(rng, fonts, width, height)
    return page.image, page.boxes


# --- training batches ------------------------------------------------------------------------------
def collate_pages(pages: list[SyntheticPage], anchor_heights) -> dict:
    """Stacks same-size pages into the model input and CTPN targets."""
    from ..detection.model import normalize_page
    from ..detection.targets import assign_targets, collate_targets

    images = np.stack([normalize_page(p.image) for p in pages])[:, None]
    hw = pages[0].image.shape
    targets = [assign_targets(p.quads, hw, anchor_heights, ignore_quads=p.ignore) for p in pages]
    return {"images": torch.from_numpy(images), **collate_targets(targets), "boxes": [p.boxes for p in pages]}


class SyntheticPageBatches(IterableDataset):
    """Endless batches of synthetic pages; each batch has one page size, drawn from `sizes` (W, H)."""

    def __init__(self, fonts, batch_size: int, seed: int, anchor_heights, sizes=PAGE_SIZES):
        self.fonts, self.batch_size, self.seed = list(fonts), batch_size, seed
        self.anchor_heights, self.sizes = tuple(anchor_heights), tuple(sizes)

    def __iter__(self):
        info = get_worker_info()
        worker = info.id if info else 0
        torch.set_num_threads(1)
        cv2.setNumThreads(1)
        rng = random.Random(self.seed * 1000 + worker)
        while True:
            w, h = rng.choice(self.sizes)
            pages = [synthesize_page(rng, self.fonts, w, h) for _ in range(self.batch_size)]
            yield collate_pages(pages, self.anchor_heights)

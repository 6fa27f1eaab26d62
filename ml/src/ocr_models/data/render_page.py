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
cut by the image border so that less than 70 % of their height shows, and lines that blur and low contrast
left without visible ink, are returned as `ignore` regions.

Text is drawn from cached glyph bitmaps (no kerning) because PIL's per-line layout costs about 25 us a
glyph; a 512x512 page takes a few tens of milliseconds.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .page_canvas import _Ctx, _Page, _photo_patch, _texture
from .page_layouts import _distractors, _document, _form, _label, _receipt, _scene, _slide


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
    faint = _without_visible_ink(image, boxes)
    if faint.any():  # blur and low contrast can wipe small print out: neither text nor background then
        ignore = np.concatenate([ignore, quads[faint]])
        boxes, quads = boxes[~faint], quads[~faint]
    return SyntheticPage(image, boxes, quads, ignore)


MIN_INK_CONTRAST = 20   # grey levels between a line box's darkest and lightest pixel for its text to show


def _without_visible_ink(image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    faint = np.zeros(len(boxes), bool)
    for i, (x0, y0, x1, y1) in enumerate(boxes.astype(int)):
        region = image[y0: max(y1, y0 + 1), x0: max(x1, x0 + 1)]
        faint[i] = region.size == 0 or int(region.max()) - int(region.min()) < MIN_INK_CONTRAST
    return faint


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
    clipped, good, visible = border_cut(full, width, height)
    return (clipped[good].astype(np.float32), quads[good].astype(np.float32),
            quads[visible & ~good].astype(np.float32))


def border_cut(full: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(boxes clipped to the image, kept as text, visible at all) for (N, 4) boxes x0, y0, x1, y1.

    A line stays text when at least 70 % of its height shows (and enough of its width); a visible line
    cut more than that is an ignore region: neither text nor background.
    """
    clipped = np.stack([full[:, 0].clip(0, width), full[:, 1].clip(0, height),
                        full[:, 2].clip(0, width), full[:, 3].clip(0, height)], 1)
    fh = np.maximum(full[:, 3] - full[:, 1], 1e-3)
    ch, cw = clipped[:, 3] - clipped[:, 1], clipped[:, 2] - clipped[:, 0]
    visible = (ch > 0) & (cw > 0)
    good = visible & (ch >= 0.7 * fh) & (cw >= np.minimum(full[:, 2] - full[:, 0], 0.6 * fh)) & (fh >= 3)
    return clipped, good, visible


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

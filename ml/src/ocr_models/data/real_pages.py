"""Batches of real pages from manifests in the evaldata format (`--data` of `ocrmesh train detector`).

Each page row with `boxes` is kept in memory (grey). A training sample is a random crop of one page,
rescaled so that its text is as high as the detector sees it at inference (the page read at a long
side of at most `max_side`, times a random factor in `scale_range`), lightly augmented (brightness and
contrast, blur, noise, JPEG) and padded to the batch's size with the page's median grey where the page
is smaller, as the predictor pads. The boxes go through the same crop and scale; lines cut by the crop
border follow the synthetic pages' rule (`render_page.border_cut`): text while 70 % of their height
shows, otherwise ignore regions. Boxes marked `ignore: true` are ignore regions.

Box convention: the boxes are used as given. SROIE's boxes enclose each line as a reader draws them (a
little paper above and below the ink: median ~10 % of the box height on top, ~5 % below), while the
synthetic pages box the ink tightly; see docs/models.md.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..evaluation import read_manifest, resolve_image
from .render_page import PAGE_SIZES, SyntheticPage, border_cut, collate_pages


@dataclass
class RealPage:
    image: np.ndarray    # grey uint8, stored at `stored` x the original size
    quads: np.ndarray    # (N, 4, 2) float32 line boxes in stored pixels (TL, TR, BR, BL)
    ignore: np.ndarray   # (M, 4, 2) float32 regions that are neither text nor background
    base: float          # stored pixels -> the detector's pixels at inference (<= 1)
    name: str


def page_rows(manifests: list[Path]) -> list[tuple[Path, dict]]:
    """(manifest, row) of the rows with boxes, whose images exist. A page given only as text cannot teach
    boxes: its lines are unknown."""
    rows = [(m, row) for m in manifests for row in read_manifest(m) if row.get("boxes")]
    for m, row in rows:
        if not resolve_image(m, row["image"]).is_file():
            raise ValueError(f"image {row['image']} of {m} not found")
    if not rows:
        raise ValueError(f"no pages with boxes in {', '.join(map(str, manifests))}")
    return rows


def load_real_pages(manifests: list[Path], max_side: int = 1600, max_scale: float = 1.2,
                    rows: list[tuple[Path, dict]] | None = None) -> list[RealPage]:
    """Page rows with boxes; images are downscaled once to what the largest training scale needs."""
    pages = []
    for manifest, row in rows if rows is not None else page_rows(manifests):
        boxes = row["boxes"]
        image = cv2.imread(str(resolve_image(manifest, row["image"])), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise ValueError(f"cannot read image {row['image']} of {manifest}")
        inference = min(1.0, max_side / max(image.shape))
        stored = min(1.0, inference * max_scale)
        if stored < 1.0:
            image = cv2.resize(image, None, fx=stored, fy=stored, interpolation=cv2.INTER_AREA)
        quads = [np.asarray(b["points"], np.float32).reshape(4, 2) * stored for b in boxes]
        flags = [bool(b.get("ignore", False)) for b in boxes]
        text = [q for q, f in zip(quads, flags) if not f]
        ign = [q for q, f in zip(quads, flags) if f]
        pages.append(RealPage(image, np.asarray(text, np.float32).reshape(-1, 4, 2),
                              np.asarray(ign, np.float32).reshape(-1, 4, 2), inference / stored, row["image"]))
    return pages


def _augment(img: np.ndarray, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """Light photometric changes: the scans are real already."""
    x = img.astype(np.float32)
    if rng.random() < 0.8:
        mean = float(x.mean())
        x = (x - mean) * rng.uniform(0.6, 1.2) + mean + rng.uniform(-30, 30)
    if rng.random() < 0.2:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.3:
        x = x + nrng.standard_normal(x.shape, dtype=np.float32) * rng.uniform(2, 8)
    out = np.clip(x, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(30, 90)])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def _boxes(quads: np.ndarray) -> np.ndarray:
    return np.concatenate([quads.min(1), quads.max(1)], 1) if len(quads) else np.zeros((0, 4), np.float32)


def crop_page(page: RealPage, rng: random.Random, width: int, height: int, scale_range=(0.6, 1.2),
              augment: bool = True, nrng: np.random.Generator | None = None) -> SyntheticPage:
    """One training sample of size (height, width) from a real page, in the synthetic pages' format."""
    lo, hi = scale_range
    s = page.base * math.exp(rng.uniform(math.log(lo), math.log(hi)))   # stored pixels -> sample pixels
    ph, pw = page.image.shape
    sw, sh = pw * s, ph * s
    # The crop's top-left in scaled page pixels; a page smaller than the crop lands anywhere inside it.
    lo_x, hi_x = min(0.0, sw - width), max(0.0, sw - width)
    lo_y, hi_y = min(0.0, sh - height), max(0.0, sh - height)
    if len(page.quads) and rng.random() < 0.9:   # mostly around a line, so few crops are blank paper
        cx, cy = page.quads[rng.randrange(len(page.quads))].mean(0) * s
        ox, oy = cx - rng.uniform(0.1, 0.9) * width, cy - rng.uniform(0.1, 0.9) * height
    else:
        ox, oy = rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)
    ox, oy = min(max(ox, lo_x), hi_x), min(max(oy, lo_y), hi_y)

    # The stored pixels under the crop, resized by s and pasted at their place in the sample.
    x0, y0 = max(0, math.floor(ox / s)), max(0, math.floor(oy / s))
    x1, y1 = min(pw, math.ceil((ox + width) / s)), min(ph, math.ceil((oy + height) / s))
    nw, nh = max(1, round((x1 - x0) * s)), max(1, round((y1 - y0) * s))
    region = cv2.resize(page.image[y0:y1, x0:x1], (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    px, py = round(x0 * s - ox), round(y0 * s - oy)
    sx, sy = nw / (x1 - x0), nh / (y1 - y0)   # the exact scale of the resize, per axis
    fill = float(np.median(page.image[:: max(1, ph // 64), :: max(1, pw // 64)])) if rng.random() < 0.7 else rng.uniform(0, 255)
    canvas = np.full((height, width), fill, np.uint8)
    ax0, ay0 = max(px, 0), max(py, 0)
    ax1, ay1 = min(px + nw, width), min(py + nh, height)
    if ax1 > ax0 and ay1 > ay0:
        canvas[ay0:ay1, ax0:ax1] = region[ay0 - py: ay1 - py, ax0 - px: ax1 - px]

    def move(q: np.ndarray) -> np.ndarray:
        return ((q - [x0, y0]) * [sx, sy] + [px, py]).astype(np.float32)

    quads, ignore = move(page.quads), move(page.ignore)
    clipped, good, visible = border_cut(_boxes(quads), width, height)
    _, _, ign_visible = border_cut(_boxes(ignore), width, height)
    image = _augment(canvas, rng, nrng or np.random.default_rng(rng.getrandbits(32))) if augment else canvas
    return SyntheticPage(image, clipped[good].astype(np.float32), quads[good],
                         np.concatenate([quads[visible & ~good], ignore[ign_visible]]).reshape(-1, 4, 2))


class RealPageBatches(IterableDataset):
    """Endless batches of crops of real pages, each batch one size drawn from `sizes` (W, H), in the
    format of SyntheticPageBatches (collate_pages).

    The manifests are read at construction; the images are decoded by the process that iterates (a
    DataLoader worker), on its first batch: OpenCV's thread pool, once used, does not survive a fork, so
    a worker forked after the parent had resized the pages would hang on its first OpenCV call."""

    def __init__(self, manifests: list[Path], batch_size: int, seed: int, anchor_heights, sizes=PAGE_SIZES,
                 max_side: int = 1600, scale_range=(0.6, 1.2)):
        self.batch_size, self.seed = batch_size, seed
        self.anchor_heights, self.sizes, self.scale_range = tuple(anchor_heights), tuple(sizes), tuple(scale_range)
        self.manifests, self.max_side = list(manifests), max_side
        self.rows = page_rows(self.manifests)
        self._pages: list[RealPage] | None = None

    @property
    def pages(self) -> list[RealPage]:
        if self._pages is None:
            self._pages = load_real_pages(self.manifests, self.max_side, self.scale_range[1], rows=self.rows)
        return self._pages

    def __iter__(self):
        info = get_worker_info()
        worker = info.id if info else 0
        if info is not None:
            torch.set_num_threads(1)
            cv2.setNumThreads(1)
        pages = self.pages
        rng = random.Random(self.seed * 1000 + 500 + worker)
        nrng = np.random.default_rng(rng.getrandbits(32))
        while True:
            w, h = rng.choice(self.sizes)
            batch = [crop_page(rng.choice(pages), rng, w, h, self.scale_range, nrng=nrng) for _ in range(self.batch_size)]
            yield collate_pages(batch, self.anchor_heights)

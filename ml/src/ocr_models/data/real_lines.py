"""Batches of real lines from manifests in the evaldata format (`--data` of `ocrmesh train recognizer`).

A page row (with `boxes`) gives one line per box, cropped on the fly with random margins like the
detector's crops; a line row (no `boxes`) is one ready crop. Rows marked `case_sensitive: false`
(SROIE's upper-case transcriptions) are trained with case-folded targets: see `fold_case_log_probs`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ocr_common.geometry import crop_quad

from ..evaluation import read_manifest, resolve_image
from ..recognition.preprocess import normalize_line
from ..recognition.vocab import Charset
from .lines import collate


@dataclass(frozen=True)
class RealLine:
    page: int                      # index into RealLineBatches.pages
    points: list | None            # None: the whole image is the line
    text: str
    case_sensitive: bool


def case_pairs(charset: Charset) -> list[tuple[int, int]]:
    """(upper-case label, lower-case label) for each letter whose two cases are both in the charset."""
    pairs = []
    for ch in charset.chars:
        up = ch.upper()
        if ch != up and len(up) == 1 and up in charset:
            pairs.append(charset.encode(up + ch))
    return [(u, lo) for u, lo in pairs]


def fold_case_text(text: str, charset: Charset) -> str:
    """Upper-cases the letters whose upper case is in the charset (ß stays ß, not SS)."""
    return "".join(u if len(u := c.upper()) == 1 and u in charset else c for c in text)


def cased_label(label: str, reading: str, charset: Charset) -> str | None:
    """`reading` (normalised) where it has exactly the letters of `label` case-folded (as `RealLineBatches` keeps
    an upper-case-only label; folding again changes nothing), else None: how such a label takes a case from a
    reader (`RealLineBatches.take_case_from`, scripts/gpu/prepare.py)."""
    text = charset.normalize(reading).strip()
    return text if text and fold_case_text(text, charset) == fold_case_text(charset.normalize(label).strip(), charset) else None


def fold_case_log_probs(log_probs: torch.Tensor, pairs: list[tuple[int, int]], fold: torch.Tensor) -> torch.Tensor:
    """Log-probs (T, N, C) where, for the samples with fold[n], each upper-case class holds the
    probability of either case. Their targets are upper-case, so the loss does not care which case
    the model reads: it learns the letters from upper-case-only labels without learning that
    everything is upper-case. (CTC reads only the target and blank columns, so the lower-case
    columns need no change.)"""
    if not pairs or not bool(fold.any()):
        return log_probs
    upper = torch.tensor([u for u, _ in pairs], device=log_probs.device)
    lower = torch.tensor([lo for _, lo in pairs], device=log_probs.device)
    either = torch.logaddexp(log_probs[..., upper], log_probs[..., lower])
    folded = log_probs.clone()
    folded[..., upper] = either
    return torch.where(fold[None, :, None], folded, log_probs)


def mix_batches(synthetic: dict, real: dict, n_real: int) -> dict:
    """One batch of the first n_real real lines and the synthetic lines after them (the batch size of
    `synthetic`), padded to one width. Trained together, the two kinds share BatchNorm's statistics: with
    batches of one kind at a time the running statistics follow whichever kind came last, and a model's
    clean-print error swung between 1 % and 3 % from one checkpoint to the next."""
    n_synth = len(synthetic["texts"]) - n_real
    width = max(int(synthetic["images"].shape[-1]), int(real["images"].shape[-1]))

    def part(batch: dict, n: int) -> dict:
        images = batch["images"][:n]
        pad = width - images.shape[-1]
        if pad:   # background is 1.0 after normalisation, as pad_batch pads
            images = torch.nn.functional.pad(images, (0, pad), value=1.0)
        lengths = batch["target_lengths"][:n]
        fold = batch.get("fold_case", torch.zeros(len(batch["texts"]), dtype=torch.bool))[:n]
        return {"images": images, "widths": batch["widths"][:n], "targets": batch["targets"][: int(lengths.sum())],
                "target_lengths": lengths, "texts": batch["texts"][:n], "fold_case": fold}

    a, b = part(real, n_real), part(synthetic, n_synth)
    return {k: (a[k] + b[k]) if k == "texts" else torch.cat([a[k], b[k]]) for k in a}


class RealLineBatches(IterableDataset):
    """Endless batches of real lines, each drawn at random; images are kept in memory (grey). Iterated in
    DataLoader workers, each worker draws its own lines."""

    def __init__(self, manifests: list[Path], charset: Charset, batch_size: int, seed: int, height: int = 32,
                 max_width: int = 2048, pool_batches: int = 8):
        self.charset, self.batch_size, self.height, self.max_width = charset, batch_size, height, max_width
        self.pool_batches = pool_batches
        self.seed, self.rng = seed, random.Random(seed)
        self.pages: list[np.ndarray] = []
        self.lines: list[RealLine] = []
        for manifest in manifests:
            for row in read_manifest(manifest):
                self._add_row(manifest, row)
        if not self.lines:
            raise ValueError(f"no usable lines in {', '.join(map(str, manifests))}")

    def take_case_from(self, reader) -> int:
        """Gives upper-case-only labels a case: where `reader` (anything with `.recognize(crops)`) reads a
        line with exactly the label's letters, its reading becomes the label and the line trains with case;
        the other lines stay case-folded. Returns how many lines took a case. Without this, the case-blind
        loss leaves case free for whatever looks like these lines (a model read large sans-serif print as
        `THIrd ANd LAST PAGE`)."""
        folded = [i for i, ln in enumerate(self.lines) if not ln.case_sensitive]
        readings = reader.recognize([self.crop(self.lines[i], random_margins=False) for i in folded])
        taken = 0
        for i, read in zip(folded, readings):
            line = self.lines[i]
            if (text := cased_label(line.text, read.text, self.charset)) is not None:
                self.lines[i] = RealLine(line.page, line.points, text, True)
                taken += 1
        return taken

    def _add_row(self, manifest: Path, row: dict) -> None:
        cs = bool(row.get("case_sensitive", True))
        boxes = row.get("boxes")
        entries = [(b["points"], b.get("text", "")) for b in boxes if not b.get("ignore")] if boxes else [(None, row.get("text", ""))]
        entries = [(p, self.charset.normalize(t).strip()) for p, t in entries]
        entries = [(p, t if cs else fold_case_text(t, self.charset)) for p, t in entries if t]
        if not entries:
            return
        image = cv2.imread(str(resolve_image(manifest, row["image"])), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise ValueError(f"cannot read image {row['image']} of {manifest}")
        self.pages.append(image)
        self.lines.extend(RealLine(len(self.pages) - 1, p, t, cs) for p, t in entries)

    def crop(self, line: RealLine, random_margins: bool = True) -> np.ndarray:
        image = self.pages[line.page]
        if line.points is None:
            return image
        if not random_margins:   # the detector's crop
            return crop_quad(image, line.points)
        # Margins between a tight box and the detector's crop (crop_quad's defaults are 0.25 / 0.3).
        return crop_quad(image, line.points, margin=self.rng.uniform(0.05, 0.35), side_margin=self.rng.uniform(0.05, 0.45))

    def __iter__(self):
        info = get_worker_info()
        if info is not None:
            self.rng = random.Random(self.seed * 1000 + info.id)
        # Like the synthetic stream: a pool sorted by width and cut into batches limits padding.
        while True:
            picked = [self.rng.choice(self.lines) for _ in range(self.batch_size * self.pool_batches)]
            pool = sorted(((normalize_line(self.crop(ln), self.height, self.max_width), ln) for ln in picked),
                          key=lambda s: s[0].shape[1])
            batches = [pool[i: i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
            self.rng.shuffle(batches)
            for b in batches:
                batch = collate([(img, ln.text) for img, ln in b], self.charset)
                batch["fold_case"] = torch.tensor([not ln.case_sensitive for _, ln in b])
                yield batch

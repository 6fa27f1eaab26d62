"""Endless stream of synthetic line batches for training, bucketed by width to limit padding."""
from __future__ import annotations

import random

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..metrics import normalize_for_scoring
from ..recognition.preprocess import normalize_line, pad_batch
from ..recognition.vocab import Charset
from .corpus import bracketed, corpus_line, curly_quotes, em_dashes, heading
from .fonts import Font, by_group, is_monospace, is_plain
from .listing import listing_line
from .render_line import all_small_caps, render_line, render_scanned_print, thin_spaces, with_superscript, worn_commas
from .text import TextSampler

SUPERSCRIPT_SHARE = 0.15   # of scanned-print lines: a footnote mark or an exponent
BRACKETED_SHARE = 0.1     # of scanned-print lines: words in braces, brackets or parentheses
WORN_COMMA_SHARE = 0.6    # of scanned-print lines: commas printed without their tails
EM_DASH_SHARE = 0.15      # of scanned-print lines: dashes set as em dashes
HEADING_SHARE = 0.04      # of scanned-print lines: a heading or byline wholly in small capitals, labelled in capitals
CURLY_QUOTE_SHARE = 0.5   # of scanned-print lines: typeset quotation marks and apostrophes for the ASCII ones
THIN_SPACE_SHARE = 0.25   # of scanned-print lines: an old book's thin spaces before ; : ? ! and inside quotes
LISTING_SHARE = 0.12      # of scanned-print lines: a program listing's line in a monospaced face
DOT_MATRIX_SHARE = 0.5    # of listing lines: printed by a dot-matrix printer


def _printable(text: str, font: Font) -> str:
    """The text without the characters the font cannot print (never empty: a label needs a character)."""
    return "".join(c for c in text if c in font.chars).strip() or "0"


class LineSynthesizer:
    """Draws (normalised image, text) pairs; fonts are sampled by family group, then by file.
    scanned_print: the share of lines that are real prose as a binarised scan of a book or paper shows it."""

    def __init__(self, fonts: list[Font], charset: Charset, seed: int, height: int = 32, max_chars: int = 72,
                 scanned_print: float = 0.0):
        if not fonts:
            raise ValueError("no fonts to render with")
        self.groups = list(by_group(fonts).values())
        # Monospaced faces by group too, so the few terminal and dot-matrix faces (IBM 3270, DotGothic16) are not lost
        # among the coding fonts' many weights.
        self.monospace = list(by_group([f for f in fonts if is_monospace(f)]).values())
        # A dot-matrix printer's characters are upright strokes one dot wide: its lines take the plain faces.
        self.dot_matrix = list(by_group([f for g in self.monospace for f in g if is_plain(f)]).values()) or self.monospace
        self.charset = charset
        self.rng = random.Random(seed)
        self.text = TextSampler(self.rng)
        self.height = height
        self.max_chars = max_chars
        self.scanned_print = scanned_print

    def sample(self) -> tuple[np.ndarray, str]:
        font = self.rng.choice(self.rng.choice(self.groups))
        if self.rng.random() < self.scanned_print:
            if self.monospace and self.rng.random() < LISTING_SHARE:
                dots = self.rng.random() < DOT_MATRIX_SHARE
                font = self.rng.choice(self.rng.choice(self.dot_matrix if dots else self.monospace))
                text = _printable(listing_line(self.rng, self.max_chars), font)
                img = render_scanned_print(text, font, self.rng, small_caps=set(), dots=dots)
                # Printed with its columns' runs of spaces; labelled with one, as the scoring reads a line.
                return normalize_line(img, self.height, max_width=2048), normalize_for_scoring(text)
            text = corpus_line(self.rng, self.max_chars)
            if self.rng.random() < HEADING_SHARE:
                text = _printable(heading(text, self.rng), font)
                small, label = all_small_caps(text, font)
                img = render_scanned_print(text, font, self.rng, small_caps=small)
                return normalize_line(img, self.height, max_width=2048), label
            if self.rng.random() < BRACKETED_SHARE:
                text = bracketed(text, self.rng)
            if self.rng.random() < EM_DASH_SHARE and "—" in font.chars:
                text = em_dashes(text, self.rng)
            if self.rng.random() < CURLY_QUOTE_SHARE:
                text = curly_quotes(text)
            text = _printable(text, font)
            raised: frozenset[int] = frozenset()
            if self.rng.random() < SUPERSCRIPT_SHARE:
                marked, marks = with_superscript(text, self.rng)
                if set(marked) <= font.chars:
                    text, raised = marked, marks
            printed = worn_commas(text, self.rng) if self.rng.random() < WORN_COMMA_SHARE else text
            gaps = thin_spaces(text, self.rng) if self.rng.random() < THIN_SPACE_SHARE else None
            img = render_scanned_print(printed, font, self.rng, superscripts=raised, gaps=gaps)
            return normalize_line(img, self.height, max_width=2048), text
        text = self.text.line(self.charset.chars, self.max_chars)
        text = _printable(text, font)
        img = render_line(text, font, self.rng, neighbour_text=self.text.line(self.charset.chars))
        return normalize_line(img, self.height, max_width=2048), text


def collate(samples: list[tuple[np.ndarray, str]], charset: Charset) -> dict:
    images, widths = pad_batch([s[0] for s in samples])
    labels = [charset.encode(s[1]) for s in samples]
    return {
        "images": torch.from_numpy(images),
        "widths": torch.from_numpy(widths),
        "targets": torch.tensor([i for lab in labels for i in lab], dtype=torch.long),
        "target_lengths": torch.tensor([len(lab) for lab in labels], dtype=torch.long),
        "texts": [s[1] for s in samples],
    }


class SyntheticLineBatches(IterableDataset):
    """Yields ready batches. Each worker renders a pool of lines, sorts it by width and cuts it into
    batches, so lines of similar width share a batch."""

    def __init__(self, fonts: list[Font], charset: Charset, batch_size: int, seed: int, pool_lines: int = 512,
                 scanned_print: float = 0.0):
        self.fonts, self.charset, self.batch_size, self.scanned_print = fonts, charset, batch_size, scanned_print
        self.seed, self.pool_batches = seed, max(2, pool_lines // batch_size)

    def __iter__(self):
        info = get_worker_info()
        worker = info.id if info else 0
        torch.set_num_threads(1)
        synth = LineSynthesizer(self.fonts, self.charset, seed=self.seed * 1000 + worker, scanned_print=self.scanned_print)
        order = random.Random(self.seed + worker)
        while True:
            pool = [synth.sample() for _ in range(self.batch_size * self.pool_batches)]
            pool.sort(key=lambda s: s[0].shape[1])
            batches = [pool[i: i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
            order.shuffle(batches)
            for b in batches:
                yield collate(b, self.charset)

"""Clean, mixed-case print: a fixed set of short lines for the promotion gate.

The dev sets cannot show a recognizer that guesses case on large clean text (receipts are scored
case-folded, DocBank has only small print): v2-20261201 read a 22-point sans-serif PDF as
"THIrd ANd LAST PAGE" and passed every dev subset. These lines, rendered the same way every time,
are scored case-sensitively beside them. Short lines of words in sentence, title and lower case, with the
margins a detector's crop leaves: that is where a recognizer that learnt case from upper-case receipts
guesses (measured: v2-20261201 and v2-20261201-case, see docs/models.md)."""
from __future__ import annotations

import random

import numpy as np

from .fonts import by_group, discover_fonts, split_fonts
from .render_line import draw_text_mask
from .text import RECEIPT_WORDS, TextSampler

SUBSET = "print:clean_mixed_case"
COMMON_WORDS = [*RECEIPT_WORDS, *("and the of to by for from with on at in or last first page date due paid".split())]


def clean_print_lines(charset: str, n: int = 160, seed: int = 20261201) -> list[tuple[np.ndarray, str]]:
    """(grey image, text) pairs: 2-6 words at 20-60 px, ink on white, in every font family."""
    fonts = list(by_group(discover_fonts(charset)).values())
    if not fonts:
        raise ValueError("no fonts found for the clean-print lines (are the Debian font packages installed?)")
    rng = random.Random(seed)
    sampler = TextSampler(rng)
    lines = []
    while len(lines) < n:
        font = rng.choice(rng.choice(fonts))
        # Half the words are receipt words (TOTAL, CASH, DUE, ...) and short common ones: their upper-case
        # receipt labels are what pulls a recognizer towards capitals.
        text = " ".join(rng.choice(COMMON_WORDS).lower() if rng.random() < 0.5 else sampler.word()
                        for _ in range(rng.randint(2, 6)))
        style = rng.random()
        text = text.title() if style < 0.35 else (text[:1].upper() + text[1:] if style < 0.7 else text)
        text = "".join(c for c in text if c in font.chars and c in charset).strip()
        if not text:
            continue
        size = rng.randint(20, 60)
        mask = draw_text_mask(text, font, size, rng, small_caps=set())
        margin = size // 3
        lines.append((255 - np.pad(mask, margin), text))
    return lines


def formula_lines(charset: str, n: int = 120, seed: int = 20261205) -> list[tuple[np.ndarray, str]]:
    """(grey image, text) pairs of clean prose with inline formulas (Greek letters, mathematical signs), each with
    at least one character beyond the latin charset, printed at 20-44 px in the held-out font families that
    have those signs: what the science charset adds, in faces the recognizer never trained on."""
    from ..recognition.vocab import LATIN_CHARSET

    added = set(charset) - set(LATIN_CHARSET)
    fonts = [f for f in split_fonts(discover_fonts(charset))[1] if len(added & f.chars) >= 0.8 * len(added)]
    if not added or not fonts:
        raise ValueError("formula lines need a charset with Greek letters and a held-out font that has them")
    rng = random.Random(seed)
    sampler = TextSampler(rng)   # its prose: a change to TextSampler.prose changes these lines (score both again)
    lines = []
    while len(lines) < n:
        font = rng.choice(fonts)
        text = "".join(c for c in sampler.math_prose(rng.randint(3, 8)) if c in font.chars).strip()
        if not set(text) & added:
            continue
        size = rng.randint(20, 44)
        mask = draw_text_mask(text, font, size, rng, small_caps=set())
        lines.append((255 - np.pad(mask, size // 3), text))
    return lines

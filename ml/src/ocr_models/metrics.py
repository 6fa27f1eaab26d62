"""Character and word error rates."""
from __future__ import annotations

import numpy as np


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences; vectorised over the shorter one for long inputs
    (whole pages), plain Python for short ones (lines), where numpy's overhead would dominate."""
    if len(a) < len(b):
        a, b = b, a
    if len(b) == 0:
        return len(a)
    if len(a) * len(b) < 2500:
        return reference_edit_distance(a, b)
    vocab: dict = {}
    av = np.array([vocab.setdefault(x, len(vocab)) for x in a])
    bv = np.array([vocab.setdefault(x, len(vocab)) for x in b])
    ar = np.arange(len(b) + 1)
    prev = ar.copy()
    tmp = np.empty_like(prev)
    for i, x in enumerate(av, 1):
        tmp[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + (bv != x), out=tmp[1:])
        prev = np.minimum.accumulate(tmp - ar) + ar   # cur[j] = min_k (tmp[k] + j - k): insertions
    return int(prev[-1])


def reference_edit_distance(a, b) -> int:
    """The textbook dynamic programme, row by row."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def normalize_for_scoring(text: str, case_sensitive: bool = True) -> str:
    text = " ".join(text.split())
    return text if case_sensitive else text.casefold()


class ErrorRate:
    """Accumulates CER and WER over many (prediction, truth) pairs."""

    def __init__(self):
        self.char_errors = self.chars = self.word_errors = self.words = self.lines = self.exact = 0

    def add(self, prediction: str, truth: str) -> None:
        self.char_errors += edit_distance(prediction, truth)
        self.chars += len(truth)
        self.word_errors += edit_distance(prediction.split(), truth.split())
        self.words += len(truth.split())
        self.lines += 1
        self.exact += prediction == truth

    @property
    def cer(self) -> float:
        return self.char_errors / max(self.chars, 1)

    @property
    def wer(self) -> float:
        return self.word_errors / max(self.words, 1)

    def as_dict(self) -> dict:
        return {"lines": self.lines, "cer": round(self.cer, 4), "wer": round(self.wer, 4),
                "line_accuracy": round(self.exact / max(self.lines, 1), 4)}

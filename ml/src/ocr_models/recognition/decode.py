"""Greedy CTC decoding with per-character confidences (numpy only, no torch)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DecodedLine:
    text: str
    confidence: float          # mean of the character confidences; 1.0 for an empty line
    char_confidences: list[float]


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def greedy_decode(probs: np.ndarray, chars: str, length: int | None = None) -> DecodedLine:
    """Decodes one line from per-frame class probabilities of shape (T, C), blank = class 0.

    Repeated labels collapse, blanks separate; a character's confidence is the highest
    probability among the frames that produced it.
    """
    if length is not None:
        probs = probs[:length]
    if len(probs) == 0:
        return DecodedLine("", 1.0, [])
    best = probs.argmax(axis=1)
    best_p = probs[np.arange(len(best)), best]
    # A new character starts where the label changes to a non-blank label.
    starts = np.flatnonzero((best != 0) & np.concatenate(([True], best[1:] != best[:-1])))
    if len(starts) == 0:
        # The line's confidence is how sure the model is that nothing is there.
        return DecodedLine("", float(best_p.mean()), [])
    # Each run spans from its start to the frame before the next label change.
    change = np.flatnonzero(np.concatenate(([True], best[1:] != best[:-1], [True])))
    ends = change[np.searchsorted(change, starts, side="right")]
    confs = [float(best_p[s:e].max()) for s, e in zip(starts, ends)]
    text = "".join(chars[i - 1] for i in best[starts])
    return DecodedLine(text, float(np.mean(confs)), confs)


def greedy_decode_batch(logits: np.ndarray, chars: str, lengths=None) -> list[DecodedLine]:
    """Decodes a batch of logits shaped (N, T, C)."""
    probs = softmax(logits.astype(np.float32), axis=-1)
    return [
        greedy_decode(p, chars, None if lengths is None else int(lengths[i]))
        for i, p in enumerate(probs)
    ]

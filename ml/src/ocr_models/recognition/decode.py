"""Greedy CTC decoding with per-character confidences and positions (numpy only, no torch)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np


@dataclass
class DecodedWord:
    text: str
    confidence: float          # mean of its characters' confidences
    x0: float                  # left and right edge as fractions of the line image's width (0..1)
    x1: float


@dataclass
class DecodedLine:
    text: str
    confidence: float          # mean of the character confidences; 1.0 for an empty line
    char_confidences: list[float]
    char_centers: list[float] = field(default_factory=list)   # where each character was emitted, in frames
    frames: int = 0            # frames of the line (its width / the model's width stride)

    @property
    def words(self) -> list[DecodedWord]:
        """The line's words (runs of non-space characters), each placed by the CTC alignment.

        A character is emitted at one or a few frames inside its glyph; the boundary between two
        characters is taken halfway between their emission centres, and the first and last
        characters of the line extend half the mean pitch outwards. A word spans its characters."""
        return words_from_alignment(self.text, self.char_confidences, self.char_centers, self.frames)


def words_from_alignment(text: str, confidences: list[float], centers: list[float], frames: int) -> list[DecodedWord]:
    if not text or frames <= 0 or len(centers) != len(text):
        return []
    c = np.asarray(centers, dtype=np.float64)
    pitch = float(np.diff(c).mean()) if len(c) > 1 else frames / 2
    mids = (c[1:] + c[:-1]) / 2
    left = np.clip(np.concatenate(([c[0] - pitch / 2], mids)), 0, frames)
    right = np.clip(np.concatenate((mids, [c[-1] + pitch / 2])), 0, frames)
    words = []
    for m in re.finditer(r"\S+", text):
        a, b = m.start(), m.end() - 1
        words.append(DecodedWord(m.group(), float(np.mean(confidences[a:b + 1])),
                                 float(left[a] / frames), float(right[b] / frames)))
    return words


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
    best = probs.argmax(axis=1)
    return _decode_best(best, probs[np.arange(len(best)), best], chars)


def _decode_best(best: np.ndarray, best_p: np.ndarray, chars: str) -> DecodedLine:
    """Decodes one line from each frame's most likely class and its probability."""
    frames = len(best)
    if frames == 0:
        return DecodedLine("", 1.0, [])
    # A new character starts where the label changes to a non-blank label.
    starts = np.flatnonzero((best != 0) & np.concatenate(([True], best[1:] != best[:-1])))
    if len(starts) == 0:
        # The line's confidence is how sure the model is that nothing is there.
        return DecodedLine("", float(best_p.mean()), [], [], frames)
    # Each run spans from its start to the frame before the next label change.
    change = np.flatnonzero(np.concatenate(([True], best[1:] != best[:-1], [True])))
    ends = change[np.searchsorted(change, starts, side="right")]
    confs = [float(best_p[s:e].max()) for s, e in zip(starts, ends)]
    text = "".join(chars[i - 1] for i in best[starts])
    # A character's position: the middle of the frames that emitted it (frame i covers [i, i + 1)).
    centers = [(s + e) / 2 for s, e in zip(starts.tolist(), ends.tolist())]
    return DecodedLine(text, float(np.mean(confs)), confs, centers, frames)


def greedy_decode_batch(logits: np.ndarray, chars: str, lengths=None) -> list[DecodedLine]:
    """Decodes a batch of logits shaped (N, T, C): `greedy_decode` of their softmax, without writing out the
    probabilities of every class (the best class's is 1 / the sum of exp(logit - its logit))."""
    e = logits.astype(np.float32)   # a copy: exp in place
    e -= e.max(axis=-1, keepdims=True)
    np.exp(e, out=e)
    best = e.argmax(axis=-1)
    best_p = np.float32(1.0) / e.sum(axis=-1)
    ends = [best.shape[1]] * len(best) if lengths is None else [int(n) for n in lengths]
    return [_decode_best(b[:n], p[:n], chars) for b, p, n in zip(best, best_p, ends)]

"""The recognizer's character sets: printable ASCII (space included) plus a few common symbols; the same
with the letters and symbols of the main Latin-script European languages ("latin"); and that with the
Greek letters and mathematical signs that papers print inline ("science")."""
from __future__ import annotations

import string
import unicodedata

EXTRA_SYMBOLS = "€£°–—‘’“”"
DEFAULT_CHARSET = "".join(chr(c) for c in range(32, 127)) + EXTRA_SYMBOLS
# German, French, Spanish, Italian, Portuguese, Dutch and the Nordic languages: accented vowels,
# ç ñ ß æ œ ø å and their capitals (ß has none in print), and common symbols.
LATIN_LETTERS = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŸŒ"
LATIN_SYMBOLS = "§©®µ½«»„"
LATIN_CHARSET = DEFAULT_CHARSET + LATIN_LETTERS + LATIN_SYMBOLS
# ι ν ο υ are left out: they print like i v o u, and the Latin letters stand for them. The increment sign ∆
# stands for the capital delta, whose glyph it shares (PDF text of papers has either).
GREEK_LETTERS = "αβγδεζηθκλξπρστφχψωΓ∆ΘΛΞΠΣΦΨΩ"
MATH_SYMBOLS = "±×÷·≤≥≠≈∞∂∇√∫∈→"
SCIENCE_CHARSET = LATIN_CHARSET + GREEK_LETTERS + MATH_SYMBOLS
CHARSETS = {"default": DEFAULT_CHARSET, "latin": LATIN_CHARSET, "science": SCIENCE_CHARSET}

# Characters outside the charset that have an obvious stand-in inside it.
_FALLBACKS = {"\u00a0": " ", "\u2010": "-", "\u2011": "-", "\u2212": "-", "\u2026": "...", "\u00b4": "'", "\t": " ",
              "Δ": "∆", "∑": "Σ", "μ": "µ", "∼": "~", "∗": "*", "′": "'"}


class Charset:
    """Maps text to CTC label indices and back. Index 0 is the CTC blank."""

    def __init__(self, chars: str = DEFAULT_CHARSET):
        if len(set(chars)) != len(chars):
            raise ValueError("charset has duplicate characters")
        self.chars = chars
        self._index = {c: i + 1 for i, c in enumerate(chars)}

    def __len__(self) -> int:
        """Number of classes, blank included."""
        return len(self.chars) + 1

    def __contains__(self, char: str) -> bool:
        return char in self._index

    def normalize(self, text: str) -> str:
        """Rewrites text so that every character is in the charset; unknown characters are dropped."""
        out = []
        for ch in text:
            if ch in self._index:
                out.append(ch)
                continue
            ch = _FALLBACKS.get(ch, ch)
            if all(c in self._index for c in ch):
                out.append(ch)
                continue
            # Accented letters fall back to their base letter (é -> e).
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in self._index)
            out.append(base)
        return "".join(out)

    def encode(self, text: str) -> list[int]:
        """Label indices for text; raises KeyError on a character outside the charset."""
        return [self._index[c] for c in text]

    def decode(self, labels) -> str:
        return "".join(self.chars[i - 1] for i in labels if i > 0)


ASCII_LETTERS_DIGITS = string.ascii_letters + string.digits

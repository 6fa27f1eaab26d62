"""Which recognized boxes make it into a result."""
from __future__ import annotations

# Below this mean character confidence the recognizer is guessing: such boxes are mostly logos, barcodes,
# stamps and rows of decorative asterisks, and dropping them removes more wrong text than right text.
MIN_LINE_CONFIDENCE = 0.5


def is_text_line(text: str, confidence: float, min_confidence: float = MIN_LINE_CONFIDENCE) -> bool:
    """A detected box is a text line when the recognizer reads something there and is not guessing."""
    return bool(text.strip()) and confidence >= min_confidence

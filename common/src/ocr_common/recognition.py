"""The recognition service's HTTP answer (`POST /v1/recognize`), declared once for the service and its clients."""
from __future__ import annotations

from pydantic import BaseModel, Field


class RecognizedWord(BaseModel):
    text: str
    confidence: float = Field(ge=0.0, le=1.0, description="mean confidence of its characters")
    x0: float = Field(ge=0.0, le=1.0, description="left edge, as a fraction of the line image's width")
    x1: float = Field(ge=0.0, le=1.0, description="right edge, as a fraction of the line image's width")


class RecognizedLine(BaseModel):
    text: str
    confidence: float = Field(ge=0.0, le=1.0, description="mean per-character confidence")
    words: list[RecognizedWord] = Field(default_factory=list, description="where the recognizer emitted each word's "
                                        "characters (its CTC alignment), left to right")


class RecognizeResponse(BaseModel):
    lines: list[RecognizedLine] = Field(description="one entry per uploaded image, in upload order")
    model_version: str = "unknown"

"""Request and response bodies of the recognition service."""
from __future__ import annotations

from pydantic import BaseModel, Field


class RecognizedLine(BaseModel):
    text: str
    confidence: float = Field(ge=0.0, le=1.0, description="mean per-character confidence")


class RecognizeResponse(BaseModel):
    lines: list[RecognizedLine] = Field(description="one entry per uploaded image, in upload order")
    model_version: str


class ExtractResponse(BaseModel):
    """The original system's answer: one text per image0..imageN, in numeric order."""
    tokens: list[str]


class ErrorResponse(BaseModel):
    error: str
    detail: str | list

"""Request and response bodies of the recognition service (the /v1/recognize answer and the error shape live in
ocr_common)."""
from __future__ import annotations

from pydantic import BaseModel

from ocr_common.errors import ErrorResponse
from ocr_common.recognition import RecognizedLine, RecognizedWord, RecognizeResponse

__all__ = ["ErrorResponse", "ExtractResponse", "RecognizeResponse", "RecognizedLine", "RecognizedWord"]


class ExtractResponse(BaseModel):
    """The original system's answer: one text per image0..imageN, in numeric order."""
    tokens: list[str]

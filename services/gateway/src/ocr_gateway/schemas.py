"""Public request and response bodies of the gateway."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ocr_common.messages import MAX_LINES, MAX_TEXT, NO_NUL, LineCorrection
from ocr_common.ocr_result import OcrLine, OcrPage  # the canonical result, declared once in ocr_common


class OcrResult(BaseModel):
    """One image is one page; a PDF or a multi-page TIFF has `pages`. The top-level fields are the first page's
    size, the whole text (pages separated by a form feed) and every line of every page, in order: a line's
    index here is the one corrections use."""
    request_id: str
    width: int
    height: int
    text: str = Field(description="all lines joined with \\n in reading order; pages separated by \\f")
    lines: list[OcrLine]
    pages: list[OcrPage] = Field(default_factory=list, description="each page with its lines and their words")
    trace_id: str | None = None


class Correction(BaseModel):
    id: str | None = None
    text: str | None = None
    line_index: int | None = None
    points: list[list[float]] | None = None
    deleted: bool = False
    author: str | None = None
    created_at: datetime | None = None


class StoredResult(OcrResult):
    created_at: datetime | None = None
    corrections: list[Correction] = []
    image_available: bool = False


class ResultSummary(BaseModel):
    request_id: str
    created_at: datetime | None = None
    width: int | None = None
    height: int | None = None
    text: str = ""


class ResultList(BaseModel):
    items: list[ResultSummary]
    next_cursor: str | None = None


class LineCorrectionIn(LineCorrection):
    """One line's correction, as the textCorrectionQueue message carries it; unknown fields are refused."""
    model_config = ConfigDict(extra="forbid")


class CorrectionIn(BaseModel):
    """Either the whole corrected text, or corrected lines by index (or both)."""
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=MAX_TEXT, pattern=NO_NUL)
    lines: list[LineCorrectionIn] | None = Field(None, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _not_empty(self) -> CorrectionIn:
        if self.text is None and not self.lines:
            raise ValueError("send 'text' or 'lines'")
        if self.lines and len({ln.index for ln in self.lines}) != len(self.lines):
            raise ValueError("line indexes must be unique")
        return self


class CorrectionAccepted(BaseModel):
    request_id: str
    correction_id: str
    status: str = "accepted"


class ReadResult(BaseModel):
    """The original system's /read answer."""
    id: str
    text: str


class CorrectTextIn(BaseModel):
    """The original system's /correct-text body."""
    id: str
    text: str = Field(max_length=1_000_000)


"""Response bodies of the image-store API."""
from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_serializer


class _Timed(BaseModel):
    @field_serializer("created_at", check_fields=False)
    def _utc(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ModelVersionsOut(BaseModel):
    detection: str | None = None
    recognition: str | None = None


class WordOut(BaseModel):
    points: list[list[float]]
    text: str
    confidence: float


class LineOut(BaseModel):
    index: int
    points: list[list[float]] | None = Field(None, description="[[x,y]x4]: top-left, top-right, bottom-right, bottom-left")
    text: str | None
    confidence: float | None
    start_x: int
    start_y: int
    width: int
    height: int
    page: int = Field(1, description="1-based page of a document (1 for an image)")
    words: list[WordOut] | None = Field(None, description="the line's words; null when they were not stored")


class PageOut(BaseModel):
    page: int
    width: int
    height: int
    dpi: float | None = None
    rotation: int = Field(0, description="clockwise degrees the page was turned to read it upright")


class CorrectionOut(_Timed):
    id: UUID = Field(description="correction_id of the message; a message may correct the text and several lines")
    text: str
    line_index: int | None = Field(description="null: a correction of the whole text")
    points: list[list[float]] | None = Field(None, description="the corrected box [[x,y]x4]; null keeps the detected one")
    deleted: bool = Field(False, description="the line's box holds no text")
    author: str | None = Field(None, description="who made the correction")
    created_at: datetime


class ImageSummary(_Timed):
    id: str
    created_at: datetime
    owner: str | None
    width: int | None
    height: int | None
    text: str | None = Field(description="the recognised text; null until the OCR data arrives")
    content_type: str | None
    file_available: bool = Field(description="the image file is stored and can be fetched from /v1/images/{id}/file")
    data_available: bool = Field(description="the OCR data (text, lines) has arrived")


class ImageDetail(ImageSummary):
    models: ModelVersionsOut
    file_url: str | None
    file_size: int | None
    pages: list[PageOut] | None = Field(None, description="a document's pages; null for one image")
    lines: list[LineOut]
    corrections: list[CorrectionOut]


class ImagePage(BaseModel):
    items: list[ImageSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last page")


"""Request and response bodies of the detection service."""
from __future__ import annotations

from pydantic import BaseModel, Field


class DetectedLine(BaseModel):
    points: list[list[float]] = Field(description="[[x,y] x 4]: top-left, top-right, bottom-right, bottom-left")
    score: float = Field(ge=0.0, le=1.0)


class DetectResponse(BaseModel):
    width: int
    height: int
    lines: list[DetectedLine] = Field(description="text lines in reading order (columns respected)")
    scale: float = Field(description="factor the image was resized by before detection (1.0 = not resized)")
    model_version: str


class Axis(BaseModel):
    axis_x: int
    axis_y: int


class OriginalBox(BaseModel):
    """The original system's /boxes item: corners TL, TR, BL, BR."""
    ord_num: int
    points: list[Axis]
    probability: float


class MinimalBox(BaseModel):
    start_x: int
    start_y: int
    width: int
    height: int


class ErrorResponse(BaseModel):
    error: str
    detail: str | list

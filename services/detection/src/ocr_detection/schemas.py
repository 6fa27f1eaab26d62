"""Request and response bodies of the detection service (the /v1/detect answer and the error shape live in
ocr_common, declared once for the service and its clients)."""
from __future__ import annotations

from pydantic import BaseModel

from ocr_common.detection import DetectedLine, DetectResponse
from ocr_common.errors import ErrorResponse

__all__ = ["Axis", "DetectResponse", "DetectedLine", "ErrorResponse", "MinimalBox", "OriginalBox"]


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

"""The detection service's HTTP answer (`POST /v1/detect`), declared once for the service and its clients."""
from __future__ import annotations

from pydantic import BaseModel, Field


class DetectedLine(BaseModel):
    points: list[list[float]] = Field(description="[[x,y] x 4]: top-left, top-right, bottom-right, bottom-left")
    score: float = Field(ge=0.0, le=1.0)


class DetectResponse(BaseModel):
    width: int
    height: int
    lines: list[DetectedLine] = Field(description="text lines in reading order (columns respected)")
    scale: float = Field(1.0, description="factor the image was resized by before detection (1.0 = not resized)")
    model_version: str = "unknown"


def reduced_page_query(width: int, height: int) -> dict[str, int]:
    """The query of `POST /v1/detect` when the image sent is the detector's own reduced copy of a `width` x `height`
    page (`TextDetector.reduced`): the lines come back in the page's pixels, as if the page itself had been sent."""
    return {"page_width": width, "page_height": height}

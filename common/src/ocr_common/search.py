"""The search contract: the image-store serves it (GET /v1/search) and the gateway passes it on.

Declared once here because both ends speak it; the gateway leaves out `owner` after checking it.
"""
from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field, field_serializer

MAX_QUERY_LENGTH = 256      # characters of `q`; longer is a 422
MAX_QUERY_TERMS = 16        # words and phrases together
MAX_SEARCH_LIMIT = 100
DEFAULT_SEARCH_LIMIT = 20
QUERY_SYNTAX = 'words (all must match; OCR slips are forgiven), "exact phrases", -excluded words'


class SearchLine(BaseModel):
    index: int = Field(description="the line's index in the result (reading order, 0-based; a line a person "
                                   "added has a new index)")
    text: str = Field(description="the line's text, with its newest correction")
    points: list[list[float]] = Field(description="its box [[x,y]x4] in the image's pixels (top-left, top-right, "
                                                  "bottom-right, bottom-left), as corrected; empty if it has none")


class SearchHit(BaseModel):
    request_id: str
    created_at: datetime
    snippet: str = Field(description="the best-matching passages of the matching lines (of the whole text when "
                                     "no single line matches), lines joined by ' · '")
    highlights: list[list[int]] = Field(
        description="[start, end] pairs: offsets of the matched words in `snippet`, in characters (Unicode code points), "
                    "end excluded")
    score: float = Field(description="higher is better: 1 when every word is found as written (0 when one is "
                                     "only found by a near spelling) plus the text-search rank (0-1)")
    lines: list[SearchLine] = Field(description="the lines holding a searched word, with their boxes")

    @field_serializer("created_at")
    def _utc(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class SearchResults(BaseModel):
    items: list[SearchHit] = Field(description="best first, then newest first")
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last page")


class StoredSearchHit(SearchHit):
    """The image-store's hit: it names the owner so that the gateway can check it."""
    owner: str | None


class StoredSearchResults(SearchResults):
    items: list[StoredSearchHit]

"""Full-text search over the stored results (see ocr_imagestore.search)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ocr_common.errors import ApiError, ErrorResponse
from ocr_common.search import DEFAULT_SEARCH_LIMIT, MAX_QUERY_LENGTH, MAX_SEARCH_LIMIT, QUERY_SYNTAX, StoredSearchResults

from ... import search
from ..deps import SessionDep

router = APIRouter(prefix="/v1/search", tags=["search"])


@router.get("", response_model=StoredSearchResults, responses={422: {"model": ErrorResponse}})
def search_images(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, pattern="^[^\x00]*$", description=QUERY_SYNTAX)],
    owner: Annotated[str | None, Query(max_length=255, pattern="^[^\x00]*$", description="only this owner's images")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = DEFAULT_SEARCH_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
) -> StoredSearchResults:
    """Images whose text (with its corrections) matches `q`, best first, with a highlighted snippet and the
    matching lines; 422 `invalid_query` for a query that cannot be searched, `invalid_cursor` for a bad cursor."""
    try:
        return search.search(session.connection(), q, limit, owner=owner, cursor=cursor)
    except search.QueryError as exc:
        raise ApiError(422, exc.code, str(exc)) from None

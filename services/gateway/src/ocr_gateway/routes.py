"""The gateway's routes: the v1 OCR API, search, and the original system's contract.

With AUTH_ENABLED every route here needs credentials (security.py) and every result belongs to its
uploader: a result, image or correction of someone else answers 404, exactly like one that does
not exist, and the listing and the search show only the caller's own results.
"""
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Literal

import cv2
from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ocr_common.corrections import stored_pages
from ocr_common.errors import ApiError, ErrorResponse
from ocr_common.export import FORMATS as EXPORT_TYPES
from ocr_common.messages import TextCorrectionMessage, amqp_headers
from ocr_common.ocr_result import page_text
from ocr_common.pages import Document, DocumentLimits
from ocr_common.search import DEFAULT_SEARCH_LIMIT, MAX_QUERY_LENGTH, MAX_SEARCH_LIMIT, QUERY_SYNTAX, SearchHit, SearchResults
from ocr_common.tracing import inject_headers

from . import exports
from .deadline import held, seen_through
from .idempotency import IdempotencyKey, once
from .schemas import (
    CorrectionAccepted,
    CorrectionIn,
    CorrectTextIn,
    OcrResult,
    ReadResult,
    ResultList,
    ResultSummary,
    StoredResult,
)
from .security import Caller, CallerDep, quota_exceeded

ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 413, 415, 422, 429, 502, 503, 504)}

ocr_router = APIRouter(prefix="/v1/ocr", tags=["ocr"])
search_router = APIRouter(prefix="/v1/search", tags=["search"])
compat_router = APIRouter(tags=["original API"])


def _services(request: Request):
    return request.app.state.services


def _request_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(404, "not_found", "no such result") from None


async def _read_upload(request: Request, upload: UploadFile) -> bytes:
    limit = _services(request).limits.max_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "file_too_large", f"the upload is larger than {limit} bytes")
    return data


async def _run_ocr(request: Request, caller: Caller, data: bytes) -> OcrResult:
    """The pipeline, with the daily quota: a failed request does not count. Every upload goes into the
    ledger, anonymous ones too (without a quota): a correction right after it finds it there."""
    s = _services(request)
    rid = str(uuid.uuid4())
    quota = caller.principal.daily_quota if caller.principal.daily_quota is not None else s.settings.DAILY_QUOTA
    async with held(lambda: s.usage.reserve(rid, caller.principal.limit_key, quota if caller.limited else 0),
                    lambda reserved: s.usage.release(rid) if reserved else None) as reserved:
        if not reserved:
            raise quota_exceeded(quota)
        result = await s.pipeline.run(data, owner=caller.owner, request_id=rid, priority=caller.priority)
    await run_in_threadpool(s.usage.complete, rid)
    return result


@ocr_router.post("", response_model=OcrResult, responses=ERRORS | {409: {"model": ErrorResponse}})
async def create_ocr(request: Request, caller: CallerDep,
                     image: Annotated[UploadFile, File(description="a photo or scan, a multi-page TIFF or a PDF")],
                     idempotency_key: IdempotencyKey = None) -> OcrResult:
    """Reads an image: its text lines with their boxes and words, in reading order, at once. A PDF or a multi-page
    TIFF is read page by page (`pages`); too many pages, a page too large, an encrypted or damaged PDF are 4xx.

    `priority=high` (or header `X-Priority: high`) is served ahead of normal work when the caller may ask for it.
    With `Idempotency-Key`, a retry of the same upload answers the first result (idempotency.py)."""
    data = await _read_upload(request, image)
    return await once(request, caller, idempotency_key, data, lambda: _run_ocr(request, caller, data))


def _utc_iso(when: datetime) -> str:
    """In UTC (naive = UTC): PostgreSQL refuses UTC offsets of 16 h or more, which ISO 8601 allows."""
    try:
        return (when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)).isoformat()
    except OverflowError:
        raise ApiError(422, "invalid_request", "since is out of range") from None


@ocr_router.get("", response_model=ResultList, responses=ERRORS)
async def list_results(request: Request, caller: CallerDep, since: datetime | None = None,
                       limit: Annotated[int, Query(ge=1, le=100)] = 20,
                       cursor: Annotated[str | None, Query(max_length=512)] = None) -> ResultList:
    """Recent results, newest first (with authentication on: the caller's own)."""
    params = {"limit": limit} | ({"since": _utc_iso(since)} if since else {}) | ({"cursor": cursor} if cursor else {})
    if caller.auth:
        params["owner"] = caller.owner
    body = await _services(request).imagestore.get_json("/v1/images", params) or {}
    items = [ResultSummary(request_id=i["id"], created_at=i.get("created_at"), width=i.get("width"),
                           height=i.get("height"), text=i.get("text") or "") for i in body.get("items", [])
             if caller.may_see(i.get("owner"))]
    return ResultList(items=items, next_cursor=body.get("next_cursor"))


async def _stored(request: Request, caller: Caller, rid: str, what: str = "result") -> dict:
    """The image-store's record of `rid`, or 404 when it is missing or someone else's."""
    body = await _services(request).imagestore.get_json(f"/v1/images/{rid}")
    if body is None or not caller.may_see(body.get("owner")):
        raise ApiError(404, "not_found", f"no such {what} (it may not be stored yet, or it has expired)")
    return body


@ocr_router.get("/{request_id}", response_model=StoredResult, responses=ERRORS)
async def get_result(request: Request, caller: CallerDep, request_id: str) -> StoredResult:
    """A stored result with its corrections (kept for 7 days)."""
    rid = _request_id(request_id)
    body = await _stored(request, caller, rid)
    pages, lines = stored_pages(body)
    for number, line in lines.values():
        pages[min(max(number, 1), len(pages)) - 1].lines.append(line)
    for page in pages:
        page.text = page_text(page.lines)
    return StoredResult(request_id=rid, width=body.get("width") or 0, height=body.get("height") or 0,
                        text=body.get("text") or "", lines=[line for _, line in lines.values()], pages=pages,
                        created_at=body.get("created_at"), corrections=body.get("corrections", []),
                        image_available=bool(body.get("file_available")))


@ocr_router.get("/{request_id}/export", responses=ERRORS | {200: {"content": {t: {} for t in EXPORT_TYPES.values()},
                                                                   "description": "the result in the format asked for"}})
async def export_result(request: Request, caller: CallerDep, request_id: str,
                        format: Annotated[Literal["txt", "hocr", "alto", "pdf"], Query(
                            description="txt, hocr (hOCR 1.2), alto (ALTO v4) or pdf (searchable PDF)")] = "txt") -> Response:
    """A stored result with its corrections applied, as plain text, hOCR, ALTO XML or a searchable PDF (the pages'
    images with an invisible text layer whose words sit on their boxes)."""
    rid = _request_id(request_id)
    return await exports.export(_services(request), rid, await _stored(request, caller, rid), format)


@ocr_router.get("/{request_id}/image", responses=ERRORS | {200: {"content": {"image/*": {}}}})
async def get_image(request: Request, caller: CallerDep, request_id: str) -> Response:
    """The uploaded image of a stored result."""
    rid = _request_id(request_id)
    if caller.auth:
        await _stored(request, caller, rid, "image")
    r = await _services(request).imagestore.get_file(f"/v1/images/{rid}/file")
    if r is None:
        raise ApiError(404, "not_found", "no such image (it may not be stored yet, or it has expired)")
    return Response(r.content, media_type=r.headers.get("content-type", "application/octet-stream"))


def _page_png(data: bytes, limits: DocumentLimits, number: int) -> bytes:
    """Page `number` (1-based) of a stored upload as PNG, rendered as it was read (same limits, so the same size:
    the result's points fit it); 404 past the last page."""
    with Document(data, limits, what="the stored file") as doc:
        if number > len(doc):
            raise ApiError(404, "not_found", f"no page {number}: the stored file has {len(doc)} pages")
        pixels = doc.render(number - 1).pixels
    return cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 3])[1].tobytes()


@ocr_router.get("/{request_id}/pages/{page}/image", responses=ERRORS | {200: {"content": {"image/png": {}}}})
async def get_page_image(request: Request, caller: CallerDep, request_id: str,
                         page: Annotated[int, Path(ge=1, le=100_000, description="1-based page number")]) -> Response:
    """One page of a stored result's upload as a PNG: a PDF page rendered as it was read (the result's points are in
    its pixels), a TIFF's frame, or the image itself for page 1. A browser can show it where it cannot show the
    upload (a PDF, a TIFF). 404 for a page past the last."""
    rid = _request_id(request_id)
    if caller.auth:
        await _stored(request, caller, rid, "image")
    s = _services(request)
    r = await s.imagestore.get_file(f"/v1/images/{rid}/file")
    if r is None:
        raise ApiError(404, "not_found", "no such image (it may not be stored yet, or it has expired)")
    async with s.pipeline.pixels.slot(caller.priority):   # a decoded page holds a decode slot, as when it was read
        png = await run_in_threadpool(_page_png, r.content, s.pipeline.documents, page)
    return Response(png, media_type="image/png")


async def _may_correct(request: Request, caller: Caller, rid: str) -> bool:
    """Only a result that exists (also with authentication off), and with it on only by its uploader: the
    ledger knows fresh uploads (no race with the queue), the image-store the older ones. The image-store
    itself keeps a correction for any id, as one may arrive before its image's data."""
    owner = await run_in_threadpool(_services(request).usage.owner_of, rid)
    if owner is not None:
        return caller.may_see(owner)
    body = await _services(request).imagestore.get_json(f"/v1/images/{rid}")
    return body is not None and caller.may_see(body.get("owner"))


async def _queue_correction(request: Request, caller: Caller, rid: str, text: str | None, lines) -> str:
    s = _services(request)
    message = TextCorrectionMessage(request_id=uuid.UUID(rid), correction_id=uuid.uuid4(), created_at=datetime.now(UTC),
                                    text=text, lines=lines, owner=caller.owner)
    seen_through()   # once queued it is answered: a 504 would have the client send it twice
    await run_in_threadpool(s.outbox.add, s.queues.correction, message.model_dump_json().encode(), "application/json",
                            amqp_headers(rid, inject_headers().get("traceparent")))
    return str(message.correction_id)


@ocr_router.post("/{request_id}/corrections", status_code=202, response_model=CorrectionAccepted, responses=ERRORS)
async def correct(request: Request, caller: CallerDep, request_id: str, body: CorrectionIn) -> CorrectionAccepted:
    """Stores a person's correction of the whole text and/or of single lines (by index)."""
    rid = _request_id(request_id)
    if not await _may_correct(request, caller, rid):
        raise ApiError(404, "not_found", "no such result (it may not be stored yet, or it has expired)")
    lines = [ln.model_dump() for ln in body.lines] if body.lines else None
    return CorrectionAccepted(request_id=rid, correction_id=await _queue_correction(request, caller, rid, body.text, lines))


@search_router.get("", response_model=SearchResults, responses=ERRORS)
async def search(request: Request, caller: CallerDep,
                 q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, pattern="^[^\x00]*$",
                                         description=QUERY_SYNTAX)],
                 limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = DEFAULT_SEARCH_LIMIT,
                 cursor: Annotated[str | None, Query(max_length=512)] = None) -> SearchResults:
    """Finds stored results by their text (corrections included; with authentication on: the caller's own),
    best first, each with a highlighted snippet and the matching lines with their boxes.

    422 `invalid_query` for a query that cannot be searched (an unclosed quote, only excluded or stop words)."""
    params = {"q": q, "limit": limit} | ({"cursor": cursor} if cursor else {})
    if caller.auth:
        params["owner"] = caller.owner
    page = await _services(request).imagestore.search(params)
    items = [SearchHit.model_validate(hit.model_dump(exclude={"owner"})) for hit in page.items if caller.may_see(hit.owner)]
    return SearchResults(items=items, next_cursor=page.next_cursor)


# --- the original system's contract ---------------------------------------------------------------

def _original_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"timestamp": format_datetime(datetime.now(UTC), usegmt=True), "error": message}, status_code=status)


@compat_router.post("/read", response_model=ReadResult, responses={400: {"description": "{timestamp, error}"}})
async def read(request: Request, caller: CallerDep, image: Annotated[UploadFile | None, File()] = None):
    """Original endpoint: multipart `image` → `{id, text}`; words keep their spaces, lines are joined by one space."""
    if image is None:
        return _original_error("the multipart field 'image' is required")
    try:
        result = await _run_ocr(request, caller, await _read_upload(request, image))
    except ApiError as exc:
        if exc.status in (429, 503):   # keep Retry-After
            raise
        return _original_error(exc.detail if isinstance(exc.detail, str) else exc.code, exc.status)
    return ReadResult(id=result.request_id, text=" ".join(ln.text for ln in result.lines))


@compat_router.post("/correct-text", status_code=202, responses={400: {"description": "a key is missing"},
                                                                  404: {"description": "someone else's result"}})
async def correct_text(request: Request, caller: CallerDep) -> Response:
    """Original endpoint: `{id, text}` → 202 with an empty body; 400 with an empty body if a key is missing."""
    try:
        body = CorrectTextIn.model_validate(await request.json())
        rid = str(uuid.UUID(body.id))
    except (ValueError, ValidationError):
        return Response(status_code=400)
    if not await _may_correct(request, caller, rid):
        return Response(status_code=404)
    await _queue_correction(request, caller, rid, body.text, None)
    return Response(status_code=202)


@compat_router.get("/health")
async def health() -> Response:
    """Original liveness check: 200 with an empty body."""
    return Response(status_code=200)

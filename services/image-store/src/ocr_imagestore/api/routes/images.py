"""Read API: one image with its lines and corrections, its file, and a paged listing."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from ocr_common.errors import ApiError, ErrorResponse

from ... import repository, storage
from ...models import Image
from ...schemas import CorrectionOut, ImageDetail, ImagePage, ImageSummary, LineOut, ModelVersionsOut
from ..deps import SessionDep, SettingsDep

router = APIRouter(prefix="/v1/images", tags=["images"])
NOT_FOUND = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}
MAX_PAGE = 200


def _file(root: Path, image: Image) -> Path | None:
    if not image.file_received or not image.path:
        return None
    try:
        path = storage.resolve(root, image.path)
    except ValueError:
        return None
    return path if path.is_file() else None


def _summary(root: Path, image: Image) -> dict:
    return dict(id=image.id, created_at=image.creation_timestamp, owner=image.owner, width=image.width,
                height=image.height, text=image.text, content_type=image.content_type,
                file_available=_file(root, image) is not None, data_available=image.data_received)


def _encode_cursor(image: Image) -> str:
    raw = json.dumps([image.creation_timestamp.astimezone(UTC).isoformat(), image.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        when, image_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if "\x00" in str(image_id):  # PostgreSQL text cannot hold NUL
            raise ValueError("NUL in cursor")
        return datetime.fromisoformat(when).astimezone(UTC), str(image_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ApiError(422, "invalid_cursor", "cursor is not one returned by this API") from None


@router.get("", response_model=ImagePage, responses={422: {"model": ErrorResponse}})
def list_images(
    session: SessionDep,
    settings: SettingsDep,
    since: Annotated[datetime | None, Query(description="only images created at or after this ISO time (naive = UTC)")] = None,
    owner: Annotated[str | None, Query(max_length=255, pattern="^[^\x00]*$", description="only this owner's images")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
    training: Annotated[bool, Query(description="only images that may teach the models: corrected, and owned by "
                                                "someone TRAINING_OWNERS allows (`ocrmesh corrections export`)")] = False,
) -> ImagePage:
    """Images newest first (by created_at, then id), `limit` per page; follow `next_cursor` for older ones."""
    if since is not None:
        # Naive times are UTC; aware ones are converted, since PostgreSQL refuses offsets past ±15:59.
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    after = _decode_cursor(cursor) if cursor else None
    rows = repository.list_images(session, limit + 1, since=since, owner=owner, after=after,
                                  teaching_owners=settings.teaching_owners() if training else None)
    page = rows[:limit]
    return ImagePage(items=[ImageSummary(**_summary(settings.IMAGE_ROOT, r)) for r in page],
                     next_cursor=_encode_cursor(page[-1]) if len(rows) > limit else None)


@router.get("/{image_id}", response_model=ImageDetail, responses=NOT_FOUND)
def get_image(image_id: UUID, session: SessionDep, settings: SettingsDep) -> ImageDetail:
    """One image: metadata, detected lines in reading order, corrections oldest first."""
    record = repository.get_image(session, str(image_id))
    if record is None:
        raise ApiError(404, "not_found", f"no image {image_id}")
    image = record.image
    summary = _summary(settings.IMAGE_ROOT, image)
    return ImageDetail(
        **summary,
        models=ModelVersionsOut(detection=image.detection_model, recognition=image.recognition_model),
        file_url=f"/v1/images/{image.id}/file" if summary["file_available"] else None,
        file_size=image.file_size,
        pages=image.pages,
        lines=[LineOut(index=b.line_index, points=b.points, text=b.text, confidence=b.confidence, start_x=b.start_x,
                       start_y=b.start_y, width=b.width, height=b.height, page=b.page, words=b.words)
               for b in record.lines],
        corrections=[CorrectionOut(id=c.correction_id, text=c.value, line_index=c.line_index, points=c.points,
                                   deleted=c.deleted, author=c.author, created_at=c.created_at)
                     for c in record.corrections],
    )


@router.get("/{image_id}/file", response_class=FileResponse, responses={
    200: {"content": {"image/*": {}, "application/pdf": {}}, "description": "the image or PDF as uploaded"}, **NOT_FOUND})
def get_image_file(image_id: UUID, session: SessionDep, settings: SettingsDep) -> FileResponse:
    """The uploaded image or document, with its sniffed content type; 404 until it has been received."""
    image = session.get(Image, str(image_id))
    if image is None:
        raise ApiError(404, "not_found", f"no image {image_id}")
    path = _file(settings.IMAGE_ROOT, image)
    if path is None:
        raise ApiError(404, "file_not_found", f"the file of image {image_id} has not been received")
    return FileResponse(path, media_type=image.content_type or "application/octet-stream")


router.add_api_route("/{image_id}/file", get_image_file, methods=["HEAD"], include_in_schema=False)

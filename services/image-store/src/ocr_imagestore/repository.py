"""Database reads and writes. Every write is an idempotent upsert keyed by the message's own ids.

Any of the three consumers may be the first to see a request, so each one upserts the `image` row
(INSERT ... ON CONFLICT (id) DO UPDATE) and sets only the columns its message owns; the shared
`creation_timestamp` becomes the earliest created_at seen, so the final row does not depend on the
order of arrival. Both data and correction writes end by refreshing the image's search index
(search_index.py) in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ocr_common.messages import ImageDataMessage, TextCorrectionMessage

from . import search_index
from .models import CORRECTION_CONFLICT, Image, ImageBox, TextCorrection


def utcnow() -> datetime:
    return datetime.now(UTC)


def _image_upsert(values: dict):
    stmt = insert(Image).values(**values)
    return stmt, {"creation_timestamp": func.least(Image.creation_timestamp, stmt.excluded.creation_timestamp)}


# ------------------------------------------------------------------------------------------- writes

def stored_file(conn: Connection, request_id: str) -> str | None:
    """The relative path of the request's file if it was already stored."""
    row = conn.execute(select(Image.file_received, Image.path).where(Image.id == request_id)).first()
    return row.path if row is not None and row.file_received else None


def record_file(conn: Connection, request_id: str, created_at: datetime, path: str, content_type: str, size: int) -> None:
    stmt, common = _image_upsert(dict(
        id=request_id, creation_timestamp=created_at, path=path, content_type=content_type, file_size=size,
        file_received=True, file_received_at=utcnow()))
    conn.execute(stmt.on_conflict_do_update(index_elements=[Image.id], set_={
        **common,
        "path": stmt.excluded.path,
        "content_type": stmt.excluded.content_type,
        "file_size": stmt.excluded.file_size,
        "file_received": True,
        "file_received_at": func.coalesce(Image.file_received_at, stmt.excluded.file_received_at),
    }))


def record_data(conn: Connection, msg: ImageDataMessage) -> bool:
    """Stores the OCR result and its lines; False (and nothing changed) if this request's data was already stored."""
    rid = str(msg.request_id)
    stmt, common = _image_upsert(dict(
        id=rid, creation_timestamp=msg.created_at, width=msg.width, height=msg.height, text=msg.text,
        detection_model=msg.models.detection, recognition_model=msg.models.recognition, owner=msg.owner,
        pages=[p.model_dump() for p in msg.pages] if msg.pages else None, data_received=True, data_received_at=utcnow()))
    stmt = stmt.on_conflict_do_update(index_elements=[Image.id], where=Image.data_received.is_(False), set_={
        **common,
        **{c: stmt.excluded[c] for c in ("width", "height", "text", "detection_model", "recognition_model", "pages")},
        "owner": func.coalesce(stmt.excluded.owner, Image.owner),
        "data_received": True,
        "data_received_at": stmt.excluded.data_received_at,
    }).returning(Image.id)
    if conn.execute(stmt).first() is None:
        return False
    if msg.lines:
        conn.execute(insert(ImageBox).on_conflict_do_nothing(index_elements=[ImageBox.image_id, ImageBox.line_index]), [
            dict(image_id=rid, line_index=ln.index, start_x=ln.start_x, start_y=ln.start_y, width=ln.width,
                 height=ln.height, text=ln.text, points=[list(p) for p in ln.points], confidence=ln.confidence,
                 page=ln.page, words=[w.model_dump(mode="json") for w in ln.words] if ln.words is not None else None)
            for ln in msg.lines])
    search_index.refresh(conn, rid)
    return True


def record_correction(conn: Connection, msg: TextCorrectionMessage) -> int:
    """Stores a correction (a whole-text row and/or one row per line); returns the rows added (0 for a duplicate)."""
    rid = str(msg.request_id)
    stmt, common = _image_upsert(dict(id=rid, creation_timestamp=msg.created_at, owner=msg.owner))
    conn.execute(stmt.on_conflict_do_update(index_elements=[Image.id], set_={
        **common, "owner": func.coalesce(Image.owner, stmt.excluded.owner)}))
    rows = []
    if msg.text is not None:
        rows.append(dict(line_index=None, value=msg.text))
    rows += [dict(line_index=ln.index, value=ln.text, points=[list(p) for p in ln.points] if ln.points else None,
                  deleted=ln.deleted) for ln in msg.lines or ()]
    result = conn.execute(
        insert(TextCorrection).on_conflict_do_nothing(index_elements=list(CORRECTION_CONFLICT)).returning(TextCorrection.id),
        [dict({"points": None, "deleted": False} | row, image_id=rid, correction_id=msg.correction_id,
              created_at=msg.created_at, author=msg.owner) for row in rows])
    added = len(result.all())
    if added:
        search_index.refresh(conn, rid)
    return added


# -------------------------------------------------------------------------------------------- reads

@dataclass
class ImageRecord:
    image: Image
    lines: list[ImageBox]
    corrections: list[TextCorrection]


def get_image(session: Session, image_id: str) -> ImageRecord | None:
    image = session.get(Image, image_id)
    if image is None:
        return None
    lines = session.scalars(select(ImageBox).where(ImageBox.image_id == image_id).order_by(ImageBox.line_index)).all()
    corrections = session.scalars(select(TextCorrection).where(TextCorrection.image_id == image_id)
                                  .order_by(TextCorrection.created_at, TextCorrection.id)).all()
    return ImageRecord(image, list(lines), list(corrections))


def list_images(session: Session, limit: int, since: datetime | None = None, owner: str | None = None,
                after: tuple[datetime, str] | None = None, teaching_owners: list[str] | None = None) -> list[Image]:
    """Newest first: ordered by (creation_timestamp, id) descending; `after` is the last key of the previous page.
    With `teaching_owners` (["*"] for everyone), only corrected images of those owners: what may teach the models."""
    query = select(Image)
    if teaching_owners is not None:
        query = query.where(select(TextCorrection.id).where(TextCorrection.image_id == Image.id).exists())
        if "*" not in teaching_owners:
            query = query.where(Image.owner.in_(teaching_owners))
    if since is not None:
        query = query.where(Image.creation_timestamp >= since)
    if owner is not None:
        query = query.where(Image.owner == owner)
    if after is not None:
        query = query.where(tuple_(Image.creation_timestamp, Image.id) < tuple_(*after))
    query = query.order_by(Image.creation_timestamp.desc(), Image.id.desc()).limit(limit)
    return list(session.scalars(query).all())

"""What each queue's message does to the database and the files; no AMQP here (see consumer.py).

A handler returns normally when the message is stored (or was already stored), raises
`RejectMessage` when the payload can never be stored (it is dead-lettered), and lets any other
exception through; the consumer decides whether that is transient.

Besides the v1 wire models of ocr_common.messages, the original system's payloads are accepted:
an imageDataQueue list `[{start_x,start_y,width,height,text}]` and a textCorrectionQueue
`{id,text}`, with the request id in the `request_id` header.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from ocr_common.messages import (
    MAX_INFO_HEADER,
    SCHEMA_VERSION,
    ImageDataMessage,
    ImageMessageHeaders,
    TextCorrectionMessage,
    decode_headers,
)

from . import repository, storage

log = logging.getLogger(__name__)
LEGACY_MODEL = "legacy"
_LEGACY_CORRECTIONS = uuid.UUID("0b4c9f2e-52a5-4d43-9c43-6f6372636f72")


class RejectMessage(Exception):
    """The message can never be stored as it is: dead-letter it."""


@dataclass
class Delivery:
    """The parts of an AMQP delivery the handlers use."""
    body: bytes
    headers: dict[str, Any] = field(default_factory=dict)
    timestamp: int | None = None          # AMQP timestamp property, seconds since the epoch
    redelivered: bool = False

    def __post_init__(self) -> None:
        self.headers = decode_headers(self.headers)

    @property
    def request_id(self) -> str | None:
        value = self.headers.get("request_id")
        return str(value) if value is not None else None

    def fallback_created_at(self) -> str:
        """For messages without created_at (the original system's): the AMQP timestamp, else now."""
        when = datetime.fromtimestamp(self.timestamp, UTC) if self.timestamp else datetime.now(UTC)
        return when.isoformat()


@dataclass
class Outcome:
    request_id: str
    stored: bool          # False: a duplicate, nothing changed
    detail: str = ""


def _check_version(version: Any) -> None:
    try:
        newer = version is not None and int(version) > SCHEMA_VERSION
    except (TypeError, ValueError):
        return  # validation reports it
    if newer:
        raise RejectMessage(f"schema_version {version} is newer than this consumer's {SCHEMA_VERSION}")


def _validation(exc: ValidationError) -> RejectMessage:
    errors = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}" for e in exc.errors()[:5])
    return RejectMessage(f"invalid message: {errors}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RejectMessage(f"body is not JSON: {exc}") from None


def parse_image_headers(d: Delivery) -> ImageMessageHeaders:
    headers = dict(d.headers)
    if not headers.get("request_id"):
        raise RejectMessage("missing request_id header")
    headers.setdefault("created_at", d.fallback_created_at())
    for key in ("content_type", "traceparent"):   # informational: a malformed one must not lose the image
        value = headers.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_INFO_HEADER):
            headers.pop(key)
    _check_version(headers.get("schema_version"))
    try:
        return ImageMessageHeaders.model_validate(headers)
    except ValidationError as exc:
        raise _validation(exc) from None


def parse_image_data(d: Delivery) -> ImageDataMessage:
    payload = _json(d.body)
    if isinstance(payload, list):  # the original system: [{start_x,start_y,width,height,text}], id in the header
        if not d.request_id:
            raise RejectMessage("missing request_id header")
        lines = []
        for i, box in enumerate(payload):
            if not isinstance(box, dict):
                raise RejectMessage(f"line {i} is not an object")
            x, y, w, h = (box.get(k) for k in ("start_x", "start_y", "width", "height"))
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y, w, h))
            points = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]] if numeric else None
            lines.append({**box, "index": i, "points": points})
        payload = {"request_id": d.request_id, "created_at": d.headers.get("created_at") or d.fallback_created_at(),
                   "width": 0, "height": 0, "text": " ".join(str(b.get("text", "")) for b in payload),
                   "lines": lines, "models": {"detection": LEGACY_MODEL, "recognition": LEGACY_MODEL}}
    if not isinstance(payload, dict):
        raise RejectMessage("body is not a JSON object")
    _check_version(payload.get("schema_version"))
    try:
        return ImageDataMessage.model_validate(payload)
    except ValidationError as exc:
        raise _validation(exc) from None


def parse_text_correction(d: Delivery) -> TextCorrectionMessage:
    payload = _json(d.body)
    if not isinstance(payload, dict):
        raise RejectMessage("body is not a JSON object")
    if "request_id" not in payload and "id" in payload:  # the original system: {id, text}
        rid, text = str(payload.get("id")), payload.get("text")
        payload = {"request_id": rid, "text": text, "owner": payload.get("owner"),
                   "created_at": d.headers.get("created_at") or d.fallback_created_at(),
                   "correction_id": uuid.uuid5(_LEGACY_CORRECTIONS, f"{rid}\n{text}")}
    _check_version(payload.get("schema_version"))
    try:
        return TextCorrectionMessage.model_validate(payload)
    except ValidationError as exc:
        raise _validation(exc) from None


class MessageStore:
    """Applies messages to PostgreSQL and IMAGE_ROOT. Every method is idempotent."""

    def __init__(self, engine: Engine, image_root: Path):
        self.engine = engine
        self.root = Path(image_root)

    def store_image(self, d: Delivery) -> Outcome:
        headers = parse_image_headers(d)
        try:
            ext, content_type = storage.image_format(d.body)
        except storage.UnsupportedImage as exc:
            raise RejectMessage(str(exc)) from None
        rid = str(headers.request_id)
        with self.engine.connect() as conn:
            existing = repository.stored_file(conn, rid)
        if existing is not None and storage.resolve(self.root, existing).is_file():
            return Outcome(rid, False, existing)
        path = storage.relative_path(rid, headers.created_at, ext)
        storage.write_atomic(self.root, path, d.body)          # durable on disk before the row says so
        with self.engine.begin() as conn:
            repository.record_file(conn, rid, headers.created_at, path, content_type, len(d.body))
        return Outcome(rid, True, path)

    def store_image_data(self, d: Delivery) -> Outcome:
        msg = parse_image_data(d)
        with self.engine.begin() as conn:
            stored = repository.record_data(conn, msg)
        return Outcome(str(msg.request_id), stored, f"{len(msg.lines)} lines")

    def store_text_correction(self, d: Delivery) -> Outcome:
        msg = parse_text_correction(d)
        with self.engine.begin() as conn:
            added = repository.record_correction(conn, msg)
        return Outcome(str(msg.request_id), added > 0, f"correction {msg.correction_id}")

"""Versioned wire models of the three RabbitMQ queues, shared by publishers and consumers.

Every message goes through the default exchange with routing key = queue name and is persistent.

- ``imageQueue``: the body is the raw image bytes (AMQP content type ``application/octet-stream``);
  the metadata travels in the headers, see :class:`ImageMessageHeaders`.
- ``imageDataQueue``: a JSON :class:`ImageDataMessage`.
- ``textCorrectionQueue``: a JSON :class:`TextCorrectionMessage`.

JSON messages also carry the flat headers from :func:`amqp_headers` (``request_id``, ``schema_version``,
optionally ``traceparent``), as the original system did.

Queues are durable and dead-letter to ``<queue>.dlq`` through the direct exchange ``ocr.dlx``.
Publishers and consumers must declare them with exactly the same arguments (RabbitMQ refuses a
redeclaration that differs), so both sides use :func:`queue_arguments` / :func:`declare_queue`.

This module does not import an AMQP client: :func:`declare_queue` takes any channel with pika's
blocking API; other clients build their declarations from :func:`queue_arguments`.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

IMAGE_QUEUE = "imageQueue"
IMAGE_DATA_QUEUE = "imageDataQueue"
TEXT_CORRECTION_QUEUE = "textCorrectionQueue"

DEAD_LETTER_EXCHANGE = "ocr.dlx"
# What a dead-letter queue keeps at most, the newest first (DLQ_MAX_LENGTH and DLQ_MAX_BYTES in the services that
# declare the queues: both the gateway and the image-store, with the same values).
DLQ_MAX_LENGTH = 10_000
DLQ_MAX_BYTES = 1024**3
IMAGE_BODY_CONTENT_TYPE = "application/octet-stream"
log = logging.getLogger(__name__)
JSON_CONTENT_TYPE = "application/json"
PERSISTENT = 2   # AMQP delivery_mode of a message that survives a broker restart

_INT32 = 2**31 - 1
MAX_TEXT = 1_000_000
MAX_LINE_TEXT = 10_000
MAX_LINES = 10_000
MAX_PAGES = 10_000
MAX_INFO_HEADER = 256
NO_NUL = "^[^\x00]*$"   # PostgreSQL text cannot hold NUL: refused where it enters, not dead-lettered later


def _utc(value: datetime) -> datetime:
    """Naive times are taken as UTC; every time leaves the model in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)

    schema_version: int = Field(SCHEMA_VERSION, ge=1, description="bumped on an incompatible change")

    @field_validator("created_at", mode="after", check_fields=False)
    @classmethod
    def _created_at_utc(cls, value: datetime) -> datetime:
        return _utc(value)


# ---------------------------------------------------------------------------------------- imageQueue

class ImageMessageHeaders(_Wire):
    """AMQP headers of an imageQueue message; the body is the image file as uploaded."""

    request_id: UUID
    created_at: datetime = Field(description="when the gateway received the upload; picks the day folder")
    content_type: str | None = Field(None, max_length=MAX_INFO_HEADER, description="the image's type as uploaded, e.g. image/png")
    traceparent: str | None = Field(None, max_length=MAX_INFO_HEADER, description="W3C trace context")
    owner: str | None = Field(None, max_length=255, description="the uploader (JWT subject or API key owner); "
                              "optional, the image-data message carries it too")

    def to_amqp(self) -> dict[str, Any]:
        headers: dict[str, Any] = {
            "schema_version": self.schema_version,
            "request_id": str(self.request_id),
            "created_at": self.created_at.isoformat(),
        }
        if self.content_type:
            headers["content_type"] = self.content_type
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        if self.owner:
            headers["owner"] = self.owner
        return headers

    @classmethod
    def from_amqp(cls, headers: Mapping[str, Any] | None) -> ImageMessageHeaders:
        """Validates the headers pika delivers (values may arrive as bytes); raises pydantic.ValidationError."""
        return cls.model_validate(decode_headers(headers))


def decode_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (headers or {}).items():
        if isinstance(value, bytes | bytearray):
            try:
                value = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                continue
        out[key] = value
    return out


def amqp_headers(request_id: UUID | str, traceparent: str | None = None) -> dict[str, Any]:
    """The flat headers every JSON message also carries."""
    headers: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "request_id": str(request_id)}
    if traceparent:
        headers["traceparent"] = traceparent
    return headers


# ------------------------------------------------------------------------------------ imageDataQueue

Point = tuple[float, float]


class ModelVersions(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    detection: str = Field(max_length=128)
    recognition: str = Field(max_length=128)


class WordData(BaseModel):
    """One word of a line: its quadrilateral (from the recognizer's alignment), text and confidence."""
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)

    points: Annotated[list[Point], Field(min_length=4, max_length=4)]
    text: str = Field(max_length=MAX_LINE_TEXT)
    confidence: float = Field(ge=0.0, le=1.0)


class PageData(BaseModel):
    """One page of a document (a PDF page as rendered, a TIFF frame, or the one page of an image)."""
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)

    page: int = Field(ge=1, le=_INT32, description="1-based")
    width: int = Field(ge=0, le=_INT32)
    height: int = Field(ge=0, le=_INT32)
    dpi: float | None = Field(None, gt=0, le=10_000, description="a PDF page's rendering resolution")
    rotation: Literal[0, 90, 180, 270] = Field(0, description="clockwise degrees the page was turned to read it upright")


class LineData(BaseModel):
    """One detected and read text line."""
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)

    index: int = Field(ge=0, le=_INT32, description="reading order, 0-based, unique in the message")
    points: Annotated[list[Point], Field(min_length=4, max_length=4)] = Field(
        description="the line's quadrilateral [[x,y]x4]: top-left, top-right, bottom-right, bottom-left")
    start_x: int = Field(ge=0, le=_INT32)
    start_y: int = Field(ge=0, le=_INT32)
    width: int = Field(ge=0, le=_INT32)
    height: int = Field(ge=0, le=_INT32)
    text: str = Field(max_length=MAX_LINE_TEXT)
    confidence: float | None = Field(None, ge=0.0, le=1.0)
    page: int = Field(1, ge=1, le=_INT32, description="the page the line is on (1-based); its points are that page's pixels")
    words: list[WordData] | None = Field(None, max_length=MAX_LINE_TEXT, description="the line's words, left to right")


class ImageDataMessage(_Wire):
    """imageDataQueue: what the OCR found on one uploaded image."""

    request_id: UUID
    created_at: datetime
    width: int = Field(ge=0, le=_INT32)
    height: int = Field(ge=0, le=_INT32)
    text: str = Field(max_length=MAX_TEXT, description="the whole text, lines joined")
    lines: list[LineData] = Field(default_factory=list, max_length=MAX_LINES)
    pages: list[PageData] | None = Field(None, max_length=MAX_PAGES, description="a document's pages; null for one "
                                         "image (its width and height above)")
    models: ModelVersions
    owner: str | None = Field(None, max_length=255)

    @field_validator("lines")
    @classmethod
    def _unique_indexes(cls, lines: list[LineData]) -> list[LineData]:
        indexes = [line.index for line in lines]
        if len(set(indexes)) != len(indexes):
            raise ValueError("line indexes must be unique")
        return lines


# ------------------------------------------------------------------------------- textCorrectionQueue

class LineCorrection(BaseModel):
    """A person's version of one line: its text, optionally its box (moved, or a new line at a new
    index), or `deleted` (the box is not text; its text is then empty)."""
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)

    index: int = Field(ge=0, le=_INT32)
    text: str = Field("", max_length=MAX_LINE_TEXT, pattern=NO_NUL)
    points: Annotated[list[Point], Field(min_length=4, max_length=4)] | None = Field(
        None, description="the corrected quadrilateral [[x,y]x4] in image pixels; null keeps the detected one")
    deleted: bool = Field(False, description="the box holds no text line")

    @model_validator(mode="after")
    def _deleted_has_no_text(self) -> LineCorrection:
        if self.deleted and self.text:
            raise ValueError("a deleted line has no text")
        return self


class TextCorrectionMessage(_Wire):
    """textCorrectionQueue: a person's correction of the whole text and/or of single lines."""

    request_id: UUID
    correction_id: UUID = Field(description="unique per correction; a redelivered one is stored once")
    created_at: datetime
    text: str | None = Field(None, max_length=MAX_TEXT, pattern=NO_NUL)
    lines: list[LineCorrection] | None = Field(None, max_length=MAX_LINES)
    owner: str | None = Field(None, max_length=255)

    @model_validator(mode="after")
    def _something_to_correct(self) -> TextCorrectionMessage:
        if self.text is None and not self.lines:
            raise ValueError("a correction needs text or lines")
        if self.lines:
            indexes = [line.index for line in self.lines]
            if len(set(indexes)) != len(indexes):
                raise ValueError("line indexes must be unique")
        return self


# ------------------------------------------------------------------------------------------ topology

def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def queue_arguments(queue: str) -> dict[str, str]:
    """The x-arguments of a work queue; every declaration of `queue` must use exactly these."""
    return {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE, "x-dead-letter-routing-key": dead_letter_queue(queue)}


class BlockingChannel(Protocol):  # the subset of pika.adapters.blocking_connection.BlockingChannel used here
    def exchange_declare(self, exchange: str, exchange_type: str = ..., durable: bool = ...) -> Any: ...
    def queue_declare(self, queue: str, durable: bool = ..., arguments: dict | None = ...) -> Any: ...
    def queue_bind(self, queue: str, exchange: str, routing_key: str | None = ...) -> Any: ...


def dead_letter_arguments(max_length: int | None = DLQ_MAX_LENGTH, max_bytes: int | None = DLQ_MAX_BYTES) -> dict[str, Any]:
    """A dead-letter queue keeps its newest `max_length` messages and `max_bytes` of bodies: past either, RabbitMQ
    drops the oldest (image bodies are uploads of up to 20 MiB, so a count alone bounds nothing)."""
    arguments: dict[str, Any] = {"x-overflow": "drop-head"}
    if max_length:
        arguments["x-max-length"] = max_length
    if max_bytes:
        arguments["x-max-length-bytes"] = max_bytes
    return arguments if len(arguments) > 1 else {}


def declare_queue(channel: BlockingChannel, queue: str, dlq_max_length: int | None = DLQ_MAX_LENGTH,
                  dlq_max_bytes: int | None = DLQ_MAX_BYTES) -> None:
    """Declares the dead-letter exchange, `<queue>.dlq` bound to it (length-limited, dead_letter_arguments), and
    the durable work queue."""
    dlq = dead_letter_queue(queue)
    channel.exchange_declare(exchange=DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)
    _declare_dead_letter_queue(channel, dlq, dead_letter_arguments(dlq_max_length, dlq_max_bytes))
    channel.queue_bind(queue=dlq, exchange=DEAD_LETTER_EXCHANGE, routing_key=dlq)
    channel.queue_declare(queue=queue, durable=True, arguments=queue_arguments(queue))


def _declare_dead_letter_queue(channel: BlockingChannel, dlq: str, arguments: dict[str, Any]) -> None:
    """A dead-letter queue that already exists with other arguments (declared before length limits, or with another
    DLQ_MAX_LENGTH) keeps them: RabbitMQ refuses such a redeclaration (406 PRECONDITION_FAILED, closing the channel),
    and deleting the queue would lose its messages. So the declaration is tried on a channel of its own, and a
    refusal is logged, not raised (docs/reliability.md: how to put the limit on an old queue)."""
    connection = getattr(channel, "connection", None)
    if connection is None:      # not a pika channel
        channel.queue_declare(queue=dlq, durable=True, arguments=arguments)
        return
    own = connection.channel()
    try:
        own.queue_declare(queue=dlq, durable=True, arguments=arguments)
    except Exception as exc:
        if getattr(exc, "reply_code", None) != 406:
            raise
        log.warning("dead-letter queue %s exists with other arguments than %s; it keeps them (%s)", dlq, arguments, exc)
        return
    own.close()


def queue_depth(connection: Any, queue: str) -> tuple[int, int] | None:
    """(ready messages, consumers) of `queue` on a pika BlockingConnection, or None when it does not exist. A passive
    declaration: it creates nothing, and a refusal (404) closes its channel, hence a channel per look."""
    channel = connection.channel()
    try:
        ok = channel.queue_declare(queue=queue, passive=True).method
    except Exception as exc:
        if getattr(exc, "reply_code", None) == 404:
            return None
        raise
    channel.close()
    return ok.message_count, ok.consumer_count


__all__ = [
    "DEAD_LETTER_EXCHANGE", "IMAGE_BODY_CONTENT_TYPE", "IMAGE_DATA_QUEUE", "IMAGE_QUEUE", "JSON_CONTENT_TYPE",
    "PERSISTENT", "SCHEMA_VERSION", "TEXT_CORRECTION_QUEUE", "ImageDataMessage", "ImageMessageHeaders",
    "MAX_LINES", "MAX_PAGES", "MAX_TEXT", "NO_NUL", "LineCorrection", "LineData", "ModelVersions", "PageData", "WordData", "TextCorrectionMessage",
    "amqp_headers", "dead_letter_queue",
    "declare_queue", "decode_headers", "queue_arguments", "queue_depth", "dead_letter_arguments", "DLQ_MAX_LENGTH", "DLQ_MAX_BYTES",
]

"""The wire models in ocr_common.messages: what publishers send is what the consumer accepts."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from imagestore_testkit import correction_message, data_message
from pydantic import ValidationError

from ocr_common.messages import (
    DEAD_LETTER_EXCHANGE,
    IMAGE_DATA_QUEUE,
    IMAGE_QUEUE,
    TEXT_CORRECTION_QUEUE,
    ImageDataMessage,
    ImageMessageHeaders,
    TextCorrectionMessage,
    amqp_headers,
    declare_queue,
    queue_arguments,
)
from ocr_imagestore.handlers import Delivery, RejectMessage, parse_image_data, parse_image_headers, parse_text_correction


def test_queue_names_keep_the_original_ones():
    assert (IMAGE_QUEUE, IMAGE_DATA_QUEUE, TEXT_CORRECTION_QUEUE) == ("imageQueue", "imageDataQueue", "textCorrectionQueue")
    assert queue_arguments("imageQueue") == {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                                             "x-dead-letter-routing-key": "imageQueue.dlq"}


def test_declare_queue_declares_the_dead_letter_route():
    calls = []

    class Recorder:
        connection = None

        def __getattr__(self, name):
            return lambda **kw: calls.append((name, kw))

    declare_queue(Recorder(), "q", dlq_max_length=5, dlq_max_bytes=None)
    assert calls == [
        ("exchange_declare", {"exchange": "ocr.dlx", "exchange_type": "direct", "durable": True}),
        ("queue_declare", {"queue": "q.dlq", "durable": True, "arguments": {"x-overflow": "drop-head", "x-max-length": 5}}),
        ("queue_bind", {"queue": "q.dlq", "exchange": "ocr.dlx", "routing_key": "q.dlq"}),
        ("queue_declare", {"queue": "q", "durable": True, "arguments": queue_arguments("q")}),
    ]


def test_image_headers_round_trip_through_amqp():
    rid = uuid.uuid4()
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    headers = ImageMessageHeaders(request_id=rid, created_at=created, content_type="image/png",
                                  traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01").to_amqp()
    assert headers["request_id"] == str(rid) and headers["schema_version"] == 1
    back = ImageMessageHeaders.from_amqp({k: v.encode() if isinstance(v, str) else v for k, v in headers.items()})
    assert back.request_id == rid and back.created_at == created and back.created_at.tzinfo == UTC
    assert ImageMessageHeaders(request_id=rid, created_at="2026-01-02T03:04:05").created_at.tzinfo == UTC
    with pytest.raises(ValidationError):
        ImageMessageHeaders.from_amqp({"request_id": "nope", "created_at": created.isoformat()})


def test_json_messages_round_trip_and_validate():
    rid = str(uuid.uuid4())
    msg = data_message(rid, n_lines=3)
    assert ImageDataMessage.model_validate_json(msg.model_dump_json()) == msg
    assert amqp_headers(rid) == {"schema_version": 1, "request_id": rid}
    line = msg.lines[0].model_dump()
    bad = [
        {"lines": [line, line]},                                      # duplicate index
        {"lines": [{**line, "points": [[0, 0]] * 3}]},                # not four points
        {"lines": [{**line, "confidence": 1.5}]},
        {"lines": [{**line, "start_x": -1}]},
        {"width": float("nan")},
        {"models": {"detection": "x"}},
    ]
    for change in bad:
        with pytest.raises(ValidationError):
            ImageDataMessage.model_validate({**msg.model_dump(), **change})
    correction = correction_message(rid)
    assert TextCorrectionMessage.model_validate_json(correction.model_dump_json()) == correction
    with pytest.raises(ValidationError):
        TextCorrectionMessage.model_validate({**correction.model_dump(), "text": None, "lines": []})
    assert TextCorrectionMessage.model_validate({**correction.model_dump(), "lines": None}).text == "corrected text"


def test_consumer_parsing_rejects_what_it_cannot_store():
    rid = str(uuid.uuid4())
    with pytest.raises(RejectMessage, match="request_id"):
        parse_image_headers(Delivery(body=b"", headers={}))
    with pytest.raises(RejectMessage, match="schema_version 2"):
        parse_image_headers(Delivery(body=b"", headers={"request_id": rid, "schema_version": 2}))
    assert parse_image_headers(Delivery(body=b"", headers={"request_id": rid}, timestamp=86400)).created_at == \
        datetime(1970, 1, 2, tzinfo=UTC)       # the original publisher sent no created_at: the AMQP timestamp
    with pytest.raises(RejectMessage, match="not JSON"):
        parse_image_data(Delivery(body=b"{"))
    with pytest.raises(RejectMessage, match="invalid message"):
        parse_image_data(Delivery(body=b"{}"))
    with pytest.raises(RejectMessage, match="request_id"):
        parse_image_data(Delivery(body=b"[]"))
    with pytest.raises(RejectMessage):
        parse_text_correction(Delivery(body=b'"text"'))
    legacy = parse_text_correction(Delivery(body=b'{"id": "%s", "text": "x"}' % rid.encode()))
    assert legacy == parse_text_correction(Delivery(body=b'{"id": "%s", "text": "x"}' % rid.encode())).model_copy(
        update={"created_at": legacy.created_at})     # same legacy correction, same correction_id

from __future__ import annotations

import os
import uuid

import pika
import pytest

RABBITMQ_URL = os.environ.get("OCRMESH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    try:
        pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL)).close()
    except Exception as exc:
        # A test that needs the broker fails without it: `make test` starts it on a fresh machine.
        pytest.fail(f"RabbitMQ is not reachable at {RABBITMQ_URL}: {exc}")
    return RABBITMQ_URL


@pytest.fixture()
def queue_names(rabbitmq_url):
    """Unique queue names per test; deleted afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = [f"test.imageQueue.{suffix}", f"test.imageDataQueue.{suffix}", f"test.textCorrectionQueue.{suffix}"]
    yield names
    conn = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    for n in names:
        for q in (n, f"{n}.dlq"):
            ch = conn.channel()
            try:
                ch.queue_delete(q)
                ch.close()
            except pika.exceptions.ChannelClosedByBroker:
                pass  # never declared
    conn.close()


@pytest.fixture(scope="session")
def drain():
    return drain_queue


def drain_queue(url: str, queue: str, expected: int, timeout: float = 15.0) -> list[tuple]:
    """Consumes (and acks) up to `expected` messages from `queue`."""
    import time

    from ocr_common.messages import declare_queue

    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    declare_queue(ch, queue)  # the publisher may not have declared it yet
    got, deadline = [], time.time() + timeout
    while len(got) < expected and time.time() < deadline:
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            conn.sleep(0.1)
            continue
        got.append((props, body))
    conn.close()
    return got

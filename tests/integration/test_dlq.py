"""Dead-letter queues on the real broker: their length limit, an old DLQ declared without one, and `ocrmesh dlq`
(list, redrive with confirms, and a redrive cut midway that loses nothing). Queue names are this test's own."""
from __future__ import annotations

import json
import secrets
import time

import pika
import pytest

from ocr_common.messages import DEAD_LETTER_EXCHANGE, declare_queue
from ocrmesh.__main__ import main as ocrmesh
from ocrmesh.dlq import redrive

from .conftest import RABBITMQ

pytestmark = pytest.mark.integration


@pytest.fixture()
def channel():
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ))
    ch = connection.channel()
    ch.confirm_delivery()
    names: list[str] = []
    ch.names = names
    yield ch
    cleanup = connection.channel() if ch.is_closed else ch
    for name in names:
        cleanup.queue_delete(queue=name)
        cleanup.queue_delete(queue=f"{name}.dlq")
    connection.close()


def new_queue(channel, **limits) -> str:
    name = f"dlqtest.{secrets.token_hex(4)}"
    channel.names.append(name)
    declare_queue(channel, name, **limits)
    return name


def depth(channel, queue: str) -> int:
    return channel.queue_declare(queue=queue, passive=True).method.message_count


def dead_letter(channel, queue: str, n: int, expected: int | None = None) -> None:
    """n messages into `queue`, each rejected by a consumer: RabbitMQ dead-letters them (with x-death); waits until
    the DLQ holds `expected` (dead-lettering is asynchronous)."""
    for i in range(n):
        channel.basic_publish("", queue, f"message {i}".encode(), pika.BasicProperties(
            delivery_mode=2, headers={"request_id": f"r{i}"}, content_type="application/json"), mandatory=True)
    for _ in range(n):
        method, _, _ = channel.basic_get(queue)
        channel.basic_reject(method.delivery_tag, requeue=False)
    deadline = time.monotonic() + 10
    while depth(channel, f"{queue}.dlq") != (n if expected is None else expected) and time.monotonic() < deadline:
        time.sleep(0.05)


def bodies(channel, queue: str) -> list[tuple[bytes, str]]:
    out = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return out
        out.append((body, properties.headers.get("request_id")))


def test_a_dead_letter_queue_keeps_its_newest_messages_up_to_its_limit(channel):
    q = new_queue(channel, dlq_max_length=3)
    dead_letter(channel, q, 5, expected=3)
    assert depth(channel, f"{q}.dlq") == 3
    assert [b for b, _ in bodies(channel, f"{q}.dlq")] == [b"message 2", b"message 3", b"message 4"]


def test_an_old_dead_letter_queue_without_a_limit_keeps_working(channel):
    name = f"dlqtest.{secrets.token_hex(4)}"
    channel.names.append(name)
    channel.exchange_declare(exchange=DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)
    channel.queue_declare(queue=f"{name}.dlq", durable=True)          # as declared before limits existed
    declare_queue(channel, name, dlq_max_length=3)                   # refused by the broker: logged, not raised
    assert channel.is_open
    dead_letter(channel, name, 5)
    assert depth(channel, f"{name}.dlq") == 5                        # it kept its own (lack of) limit


def test_list_and_redrive(channel, capsys, monkeypatch):
    q = new_queue(channel)
    dead_letter(channel, q, 4)
    monkeypatch.setenv("RABBITMQ_URL", RABBITMQ)
    assert ocrmesh(["dlq", "list", "--queue", q]) == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["queue"], row["messages"], row["dlq_messages"]) == (q, 0, 4)

    assert ocrmesh(["dlq", "redrive", f"{q}.dlq", "--limit", "3"]) == 0
    assert json.loads(capsys.readouterr().out) == {"queue": q, "redriven": 3}
    assert (depth(channel, q), depth(channel, f"{q}.dlq")) == (3, 1)
    assert bodies(channel, q) == [(f"message {i}".encode(), f"r{i}") for i in range(3)]   # bodies and headers kept

    assert redrive(RABBITMQ, q) == 1
    assert (depth(channel, q), depth(channel, f"{q}.dlq")) == (1, 0)


def test_a_redrive_cut_midway_loses_nothing(channel, monkeypatch):
    q = new_queue(channel)
    dead_letter(channel, q, 5)
    publish = pika.adapters.blocking_connection.BlockingChannel.basic_publish
    calls = []

    def dies_on_the_third(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise pika.exceptions.AMQPConnectionError("the broker went away")
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(pika.adapters.blocking_connection.BlockingChannel, "basic_publish", dies_on_the_third)
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        redrive(RABBITMQ, q)
    monkeypatch.undo()
    # Two moved and acknowledged; the third was in hand, unacknowledged: back in the DLQ with the other two.
    assert (depth(channel, q), depth(channel, f"{q}.dlq")) == (2, 3)
    assert sorted(r for _, r in bodies(channel, q) + bodies(channel, f"{q}.dlq")) == [f"r{i}" for i in range(5)]

"""The shared outbox in PostgreSQL and its relay: order, byte-bounded batches, SKIP LOCKED between replicas."""
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from ocr_gateway.db import make_engine
from ocr_gateway.outbox import Outbox
from ocr_gateway.publisher import OutboxPublisher

MiB = 1024 * 1024


def test_outbox_keeps_messages_in_order_high_priority_first(engine):
    box = Outbox(engine)
    ids = [box.add("q", f"m{i}".encode(), "text/plain", {"request_id": str(i)}) for i in range(3)]
    box.add("q", b"urgent", "text/plain", {"request_id": "u"}, priority=1)
    box.remove(ids[1])
    again = Outbox(engine)   # another replica sees the same rows
    assert [m.body for m in again.oldest()] == [b"urgent", b"m0", b"m2"]
    assert again.oldest()[1].headers == {"request_id": "0"}
    assert again.pending() == 3 and again.backlog() == (3, len(b"urgent") + 4)


def test_a_batch_is_bounded_by_bytes_and_a_large_message_goes_alone(engine):
    box = Outbox(engine, batch_rows=100, batch_bytes=int(2.5 * MiB))
    box.add_many([("q", bytes([i]) * MiB, "application/octet-stream", {"request_id": str(i)}) for i in range(5)])
    box.add("q", b"x" * (3 * MiB), "application/octet-stream", {"request_id": "big"})
    batches = []
    while True:
        got = []
        if box.publish_batch(lambda m, got=got: got.append((m.headers["request_id"], len(m.body)))) == 0:
            break
        batches.append(got)
    assert [[rid for rid, _ in b] for b in batches] == [["0", "1"], ["2", "3"], ["4"], ["big"]]
    assert all(sum(n for _, n in b) <= 2.5 * MiB for b in batches[:-1])
    assert box.pending() == 0


def test_bodies_are_stored_as_given_without_compression(engine):
    """Uploads come compressed already: PostgreSQL's compression would cost CPU on every insert (migration g0003).
    A flat body that pglz would shrink by far shows it."""
    box = Outbox(engine)
    rid = box.add("q", b"\xff" * MiB, "image/bmp", {"request_id": "flat"})
    with engine.connect() as conn:
        compression, stored = conn.execute(sa.text("SELECT pg_column_compression(body), pg_column_size(body) "
                                                   "FROM gateway.outbox WHERE id = :id"), {"id": rid}).one()
    assert compression is None and stored >= MiB
    assert box.oldest()[0].body == b"\xff" * MiB


def test_a_failed_send_keeps_the_rest_and_deletes_what_was_sent(engine):
    box = Outbox(engine)
    box.add_many([("q", b"m", "text/plain", {"request_id": str(i)}) for i in range(4)])
    sent = []

    def send(m):
        if m.headers["request_id"] == "2":
            raise ConnectionError("broker gone")
        sent.append(m.headers["request_id"])

    with pytest.raises(ConnectionError):
        box.publish_batch(send)
    assert sent == ["0", "1"]
    assert [m.headers["request_id"] for m in box.oldest()] == ["2", "3"]


def test_replicas_claim_disjoint_batches(engine, database_url):
    """While one replica holds a batch (its send is slow), another takes the next rows, not the same."""
    other_engine = make_engine(database_url, pool_size=2)
    a, b = Outbox(engine, batch_rows=3), Outbox(other_engine, batch_rows=3)
    a.add_many([("q", b"m", "text/plain", {"request_id": str(i)}) for i in range(6)])
    holding, release = threading.Event(), threading.Event()
    got_a, got_b = [], []

    def slow(m):
        got_a.append(m.headers["request_id"])
        holding.set()
        release.wait(10)

    t = threading.Thread(target=a.publish_batch, args=(slow,))
    t.start()
    try:
        assert holding.wait(10)
        assert b.publish_batch(lambda m: got_b.append(m.headers["request_id"])) == 3
    finally:
        release.set()
        t.join(10)
        other_engine.dispose()
    assert got_a == ["0", "1", "2"] and got_b == ["3", "4", "5"]
    assert a.pending() == 0


def test_publisher_delivers_persistent_messages_with_headers(engine, rabbitmq_url, queue_names, drain):
    box = Outbox(engine)
    pub = OutboxPublisher(box, rabbitmq_url, queue_names)
    pub.start()
    try:
        for i in range(20):
            box.add(queue_names[0], bytes([i]) * 10, "application/octet-stream", {"request_id": f"r{i}"})
        got = drain(rabbitmq_url, queue_names[0], 20)
    finally:
        pub.stop()
    assert [p.headers["request_id"] for p, _ in got] == [f"r{i}" for i in range(20)]
    assert all(p.delivery_mode == 2 for p, _ in got)
    assert box.pending() == 0


def test_messages_wait_while_the_broker_is_unreachable(engine, rabbitmq_url, queue_names, drain):
    box = Outbox(engine)
    down = OutboxPublisher(box, "amqp://guest:guest@127.0.0.1:1/%2F", queue_names, max_backoff=0.2)
    down.start()
    for i in range(5):
        box.add(queue_names[1], b"{}", "application/json", {"request_id": f"r{i}"})
    time.sleep(1.0)
    assert box.pending() == 5 and not down.connected
    down.stop()

    # The broker "comes back": a publisher that can reach it drains everything, in order.
    up = OutboxPublisher(box, rabbitmq_url, queue_names)
    up.start()
    try:
        got = drain(rabbitmq_url, queue_names[1], 5)
    finally:
        up.stop()
    assert [p.headers["request_id"] for p, _ in got] == [f"r{i}" for i in range(5)]
    assert box.pending() == 0


def test_two_relays_deliver_every_message_exactly_once(engine, database_url, rabbitmq_url, queue_names, drain):
    """Two replicas' relays on one outbox, rows added from four threads: each message is delivered once
    (deliveries counted on the queue, not rows)."""
    other_engine = make_engine(database_url, pool_size=2)
    boxes = [Outbox(engine, batch_rows=7), Outbox(other_engine, batch_rows=7)]
    pubs = [OutboxPublisher(box, rabbitmq_url, queue_names, poll_interval=0.05) for box in boxes]
    for pub in pubs:
        pub.start()
    threads = [threading.Thread(target=lambda k=k: [boxes[k % 2].add(queue_names[2], b"x", "text/plain",
                                                                      {"request_id": f"{k}-{i}"}) for i in range(50)])
               for k in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = drain(rabbitmq_url, queue_names[2], 200)
        time.sleep(1.0)   # a duplicate would arrive now
        got += drain(rabbitmq_url, queue_names[2], 1, timeout=0.5)
    finally:
        for pub in pubs:
            pub.stop()
        other_engine.dispose()
    deliveries = Counter(p.headers["request_id"] for p, _ in got)
    assert set(deliveries) == {f"{k}-{i}" for k in range(4) for i in range(50)}
    assert max(deliveries.values()) == 1
    assert boxes[0].pending() == 0

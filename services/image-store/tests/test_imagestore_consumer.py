"""The consumer against real RabbitMQ and PostgreSQL: storage, ordering, idempotency, failures."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

from imagestore_testkit import (
    CREATED,
    TcpProxy,
    correction_message,
    counts,
    data_message,
    image_bytes,
    scalar,
    snapshot,
    stored_files,
    wait_for,
)
from sqlalchemy import text

from ocr_common.logging import JsonFormatter
from ocr_common.messages import amqp_headers, dead_letter_queue
from ocr_common.tracing import TraceIdFilter


def rid() -> str:
    return str(uuid.uuid4())


def test_image_data_and_correction_are_stored(start_consumer, publisher, engine, settings):
    consumer = start_consumer()
    request_id, png = rid(), image_bytes("PNG", seed=1)
    publisher.image(request_id, png)
    publisher.data(data_message(request_id, n_lines=3))
    publisher.correction(correction_message(request_id, lines=[dict(index=1, text="fixed one")]))

    wait_for(lambda: consumer.stats["stored"] == 3, what="three stored messages")
    assert counts(engine) == {"image": 1, "image_box": 3, "text_correction": 2}
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM image")).mappings().one()
    assert row["id"] == request_id and row["file_received"] and row["data_received"]
    assert row["path"] == f"2026-03-14/{request_id}.png"      # the day of created_at (UTC), not of today
    assert row["creation_timestamp"] == CREATED and row["content_type"] == "image/png"
    assert (row["width"], row["height"], row["owner"]) == (64, 40, "alice")
    assert (row["detection_model"], row["recognition_model"]) == ("ctpn-test", "crnn-test")
    assert (settings.IMAGE_ROOT / row["path"]).read_bytes() == png
    assert [p.name for p in stored_files(settings.IMAGE_ROOT)] == [f"{request_id}.png"]   # no temp files left
    points = scalar(engine, "SELECT points FROM image_box WHERE line_index = 2")
    assert points == [[2, 20], [50, 20], [50, 28], [2, 28]]
    assert scalar(engine, "SELECT value FROM text_correction WHERE line_index = 1") == "fixed one"
    assert scalar(engine, "SELECT value FROM text_correction WHERE line_index IS NULL") == "corrected text"


def test_jpeg_gets_its_sniffed_extension_and_type(start_consumer, publisher, engine, settings):
    consumer = start_consumer()
    request_id = rid()
    publisher.image(request_id, image_bytes("JPEG"))     # the header says image/png; the bytes win
    wait_for(lambda: consumer.stats["stored"] == 1)
    assert scalar(engine, "SELECT content_type FROM image") == "image/jpeg"
    assert scalar(engine, "SELECT path FROM image").endswith(".jpg")


def test_any_order_gives_the_same_final_state(start_consumer, publisher, engine, settings):
    """Each message is published only after the previous one is stored, so the order is really enforced."""
    consumer = start_consumer()
    png = image_bytes("PNG", seed=7)
    correction_id = str(uuid.uuid4())
    orders = [("image", "data", "correction"), ("data", "image", "correction"), ("correction", "data", "image"),
              ("correction", "image", "data"), ("data", "correction", "image")]
    states = []
    for n, order in enumerate(orders):
        request_id = rid()
        for i, kind in enumerate(order):
            if kind == "image":
                publisher.image(request_id, png)
            elif kind == "data":
                publisher.data(data_message(request_id))
            else:
                publisher.correction(correction_message(request_id, correction_id=str(uuid.uuid5(uuid.UUID(correction_id), str(n)))))
            wait_for(lambda expected=3 * n + i + 1: consumer.stats["stored"] == expected, what=f"{order}[{i}]")
            assert scalar(engine, "SELECT count(*) FROM image WHERE id = :id", id=request_id) == 1   # FK target exists
        state = snapshot(engine, request_id, settings.IMAGE_ROOT)
        state["image"]["path"] = state["image"]["path"].replace(request_id, "ID")
        for correction in state["corrections"]:
            correction.pop("correction_id")
        states.append(state)
    for order, state in zip(orders[1:], states[1:]):
        assert state == states[0], order
    assert states[0]["image"]["file_received"] and states[0]["image"]["data_received"]
    assert len(states[0]["boxes"]) == 2 and len(states[0]["corrections"]) == 2


def test_duplicates_and_redeliveries_change_nothing(start_consumer, publisher, engine, settings):
    consumer = start_consumer()
    request_id, png = rid(), image_bytes("PNG", seed=3)
    data, correction = data_message(request_id), correction_message(request_id)
    publisher.image(request_id, png)
    publisher.data(data)
    publisher.correction(correction)
    wait_for(lambda: consumer.stats["stored"] == 3)
    before = snapshot(engine, request_id, settings.IMAGE_ROOT)
    before_counts = counts(engine)
    file = settings.IMAGE_ROOT / before["image"]["path"]
    mtime = file.stat().st_mtime_ns

    for _ in range(2):
        publisher.image(request_id, png)
        publisher.data(data)
        publisher.correction(correction)
    # the same request again with other content: the first data message wins
    publisher.data(data_message(request_id, n_lines=5, text_prefix="other", owner="mallory"))
    publisher.image(request_id, image_bytes("PNG", seed=99), created_at=CREATED + timedelta(days=1))
    wait_for(lambda: consumer.stats["duplicate"] == 8, what="eight duplicates")

    assert consumer.stats["stored"] == 3
    assert counts(engine) == before_counts
    assert snapshot(engine, request_id, settings.IMAGE_ROOT) == before
    assert file.stat().st_mtime_ns == mtime
    assert len(stored_files(settings.IMAGE_ROOT)) == 1


def test_poison_messages_are_dead_lettered_and_the_consumer_goes_on(start_consumer, publisher, engine, queues):
    consumer = start_consumer()
    good = rid()
    publisher.raw(queues.image, image_bytes(), {"created_at": CREATED.isoformat()}, "application/octet-stream")  # no request_id
    publisher.raw(queues.image, b"GIF8 not an image", {"request_id": rid()}, "application/octet-stream")
    publisher.raw(queues.image, b"", {"request_id": rid()}, "application/octet-stream")
    publisher.raw(queues.data, b"{not json", amqp_headers(good))
    publisher.raw(queues.data, json.dumps({"request_id": good, "text": "no lines, no models"}).encode())
    publisher.raw(queues.data, data_message(good).model_copy(update={"schema_version": 2}).model_dump_json().encode())
    publisher.raw(queues.data, b"\xff\xfe", amqp_headers(good))
    publisher.raw(queues.correction, json.dumps({"request_id": good, "correction_id": rid(),
                                                 "created_at": CREATED.isoformat()}).encode())   # nothing to correct
    publisher.raw(queues.correction, b"[1, 2]")
    publisher.image(good, image_bytes())
    publisher.data(data_message(good))

    dlq = {q: dead_letter_queue(q) for q in (queues.image, queues.data, queues.correction)}
    wait_for(lambda: [publisher.depth(dlq[q]) for q in dlq] == [3, 4, 2], what="dead-lettered messages")
    wait_for(lambda: consumer.stats["stored"] == 2)
    assert consumer.stats["dead_lettered"] == 9
    assert counts(engine)["image"] == 1 and counts(engine)["image_box"] == 2
    method, props, body = publisher.get(dlq[queues.image])
    death = props.headers["x-death"][0]
    assert death["reason"] == "rejected" and death["queue"] == queues.image
    assert [publisher.depth(q) for q in (queues.image, queues.data, queues.correction)] == [0, 0, 0]


def test_the_original_systems_payloads_are_accepted(start_consumer, publisher, engine, queues):
    consumer = start_consumer()
    request_id = rid()
    publisher.raw(queues.image, image_bytes(), {"request_id": request_id}, "application/octet-stream")
    boxes = [{"start_x": 1, "start_y": 2, "width": 30, "height": 8, "text": "HELLO"},
             {"start_x": 1, "start_y": 12, "width": 20, "height": 8, "text": "WORLD"}]
    publisher.raw(queues.data, json.dumps(boxes).encode(), {"request_id": request_id})
    publisher.raw(queues.correction, json.dumps({"id": request_id, "text": "Hello world"}).encode(), {"request_id": request_id})
    publisher.raw(queues.correction, json.dumps({"id": request_id, "text": "Hello world"}).encode(), {"request_id": request_id})
    wait_for(lambda: consumer.stats["stored"] + consumer.stats["duplicate"] == 4)
    assert consumer.stats["duplicate"] == 1
    assert counts(engine) == {"image": 1, "image_box": 2, "text_correction": 1}
    assert scalar(engine, "SELECT text FROM image") == "HELLO WORLD"
    assert scalar(engine, "SELECT points FROM image_box WHERE line_index = 1") == [[1, 12], [21, 12], [21, 20], [1, 20]]


def test_database_outage_loses_nothing(start_consumer, publisher, engine, admin_engine, database_url, queues):
    consumer = start_consumer()
    first = rid()
    publisher.data(data_message(first))
    wait_for(lambda: consumer.stats["stored"] == 1)

    name = database_url.rsplit("/", 1)[1]
    with admin_engine.connect() as admin:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
    try:
        ids = [rid() for _ in range(3)]
        for request_id in ids:
            publisher.image(request_id, image_bytes())
            publisher.data(data_message(request_id))
            publisher.correction(correction_message(request_id))
        wait_for(lambda: consumer.stats["retried"] >= 6, what="failed attempts while the database is down")
        time.sleep(0.5)
        assert consumer.stats["stored"] == 1 and consumer.stats["dead_lettered"] == 0
        assert consumer.ready.is_set()
    finally:
        with admin_engine.connect() as admin:
            admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    wait_for(lambda: consumer.stats["stored"] == 10, timeout=20, what="messages stored after the outage")
    assert counts(engine) == {"image": 4, "image_box": 8, "text_correction": 6}
    assert scalar(engine, "SELECT count(*) FROM image WHERE file_received AND data_received") == 3
    assert [publisher.depth(dead_letter_queue(q)) for q in (queues.image, queues.data, queues.correction)] == [0, 0, 0]


def test_a_killed_consumer_loses_and_duplicates_nothing(start_consumer, publisher, engine, settings, queues):
    n = 80
    ids = [rid() for _ in range(n)]
    images = {request_id: image_bytes("PNG", seed=i) for i, request_id in enumerate(ids)}
    for request_id in ids:
        publisher.image(request_id, images[request_id])
        publisher.data(data_message(request_id))
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "RABBITMQ_URL": settings.RABBITMQ_URL,
           "IMAGE_ROOT": str(settings.IMAGE_ROOT), "IMAGE_QUEUE": queues.image, "IMAGE_DATA_QUEUE": queues.data,
           "TEXT_CORRECTION_QUEUE": queues.correction, "PREFETCH": "4", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "ocr_imagestore.consumer"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: process.poll() is not None or counts(engine)["image_box"] >= 10, timeout=30, interval=0.01,
                 what="the subprocess consumer to store something")
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    at_kill = counts(engine)
    assert at_kill["image_box"] < 2 * n, "the consumer finished before it was killed; the test proves nothing"

    consumer = start_consumer()
    wait_for(lambda: scalar(engine, "SELECT count(*) FROM image WHERE file_received AND data_received") == n,
             timeout=30, what="every request stored")
    wait_for(lambda: publisher.depth(queues.image) + publisher.depth(queues.data) == 0, what="empty queues")
    assert consumer.stats["dead_lettered"] == 0
    assert counts(engine) == {"image": n, "image_box": 2 * n, "text_correction": 0}
    files = [p for p in stored_files(settings.IMAGE_ROOT) if not p.name.endswith(".tmp")]
    assert sorted(p.stem for p in files) == sorted(ids)
    assert all(p.read_bytes() == images[p.stem] for p in files)


def test_the_consumer_reconnects_when_the_broker_connection_drops(start_consumer, publisher, engine, settings):
    proxy = TcpProxy(int(settings.RABBITMQ_URL.split(":")[-1].split("/")[0]))
    try:
        url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F"
        consumer = start_consumer(RABBITMQ_URL=url)
        publisher.data(data_message(rid()))
        wait_for(lambda: consumer.stats["stored"] == 1)
        proxy.cut()
        wait_for(lambda: proxy.accepted >= 2 and consumer.ready.is_set(), what="a new broker connection")
        publisher.data(data_message(rid()))
        wait_for(lambda: consumer.stats["stored"] == 2)
        assert counts(engine)["image"] == 2
    finally:
        proxy.close()


def test_stop_returns_unacked_messages_to_the_queue(start_consumer, publisher, engine, admin_engine, database_url, queues):
    """Stopped while the database is down: the messages in hand go back to the queue, not to the DLQ."""
    consumer = start_consumer()
    name = database_url.rsplit("/", 1)[1]
    with admin_engine.connect() as admin:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
    try:
        for _ in range(3):
            publisher.data(data_message(rid()))
        wait_for(lambda: consumer.stats["retried"] >= 1)
        consumer.stop(10)
        assert not consumer.ready.is_set()
        wait_for(lambda: publisher.depth(queues.data) == 3, what="the messages back in the queue")
        assert publisher.depth(dead_letter_queue(queues.data)) == 0
    finally:
        with admin_engine.connect() as admin:
            admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    consumer = start_consumer()
    wait_for(lambda: consumer.stats["stored"] == 3)
    assert counts(engine)["image_box"] == 6


def test_created_at_in_another_timezone_picks_the_utc_day(start_consumer, publisher, engine, settings):
    consumer = start_consumer()
    request_id = rid()
    local = datetime(2026, 3, 15, 1, 30, tzinfo=timezone(timedelta(hours=2)))     # 2026-03-14T23:30Z
    publisher.image(request_id, image_bytes(), created_at=local)
    wait_for(lambda: consumer.stats["stored"] == 1)
    assert scalar(engine, "SELECT path FROM image") == f"2026-03-14/{request_id}.png"


def test_logs_carry_the_request_and_trace_ids(start_consumer, publisher):
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append
    handler.addFilter(TraceIdFilter())
    logger = logging.getLogger("ocr_imagestore.consumer")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        consumer = start_consumer()
        request_id = rid()
        publisher.image(request_id, image_bytes())     # traceparent 00-<request_id hex>-abab...-01
        publisher.raw(publisher.queues.data, b"{", amqp_headers(request_id))
        wait_for(lambda: consumer.stats["stored"] == 1 and consumer.stats["dead_lettered"] == 1)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(JsonFormatter("image-store").format(r)) for r in records if r.__dict__.get("request_id")]
    stored = next(line for line in lines if "stored" in line["msg"])
    assert stored["request_id"] == request_id and stored["trace_id"] == uuid.UUID(request_id).hex
    assert stored["service"] == "image-store" and stored["level"] == "info"
    rejected = next(line for line in lines if "dead-lettered" in line["msg"])
    assert rejected["request_id"] == request_id and rejected["level"] == "warning"


def test_image_bodies_in_memory_are_bounded_by_image_prefetch(settings, publisher, engine):
    """Uploads of up to 20 MiB wait in the consumer's memory until stored: at most IMAGE_PREFETCH of them,
    while the small data messages keep the larger PREFETCH."""
    from ocr_imagestore.consumer import ImageStoreConsumer

    ids = [rid() for _ in range(8)]
    body = image_bytes("PNG", seed=3) + b"\0" * 1_000_000     # a PNG with 1 MB of trailing bytes
    for request_id in ids:
        publisher.image(request_id, body)
        publisher.data(data_message(request_id, n_lines=1))
    consumer = ImageStoreConsumer(settings.model_copy(update={"IMAGE_PREFETCH": 2, "PREFETCH": 16}))
    in_hand: list[int] = []
    store_image = consumer.handlers[settings.IMAGE_QUEUE]

    def counting(delivery):
        in_hand.append(1 + sum(1 for queue, *_ in consumer._pending if queue == settings.IMAGE_QUEUE))
        time.sleep(0.05)
        return store_image(delivery)

    consumer.handlers[settings.IMAGE_QUEUE] = counting
    consumer.start()
    try:
        wait_for(lambda: consumer.stats["stored"] == 16, what="8 images and their data stored")
    finally:
        consumer.stop(15)
    assert len(in_hand) == 8 and max(in_hand) <= 2, in_hand
    assert consumer.prefetch(settings.IMAGE_DATA_QUEUE) == 16
    assert scalar(engine, "SELECT count(*) FROM image WHERE file_received AND data_received") == 8

import threading
import time

from ocr_gateway.outbox import Outbox
from ocr_gateway.publisher import OutboxPublisher


def test_outbox_keeps_messages_in_order_across_reopen(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    ids = [box.add("q", f"m{i}".encode(), "text/plain", {"request_id": str(i)}) for i in range(3)]
    box.remove(ids[1])
    box.close()
    again = Outbox(path)
    assert [m.body for m in again.oldest()] == [b"m0", b"m2"]
    assert again.oldest()[0].headers == {"request_id": "0"}
    assert again.pending() == 2


def test_publisher_delivers_persistent_messages_with_headers(tmp_path, rabbitmq_url, queue_names, drain):
    box = Outbox(tmp_path / "o.sqlite3")
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


def test_messages_wait_while_the_broker_is_unreachable(tmp_path, rabbitmq_url, queue_names, drain):
    box = Outbox(tmp_path / "o.sqlite3")
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


def test_concurrent_adds_are_all_published(tmp_path, rabbitmq_url, queue_names, drain):
    box = Outbox(tmp_path / "o.sqlite3")
    pub = OutboxPublisher(box, rabbitmq_url, queue_names)
    pub.start()
    threads = [threading.Thread(target=lambda k=k: [box.add(queue_names[2], b"x", "text/plain", {"request_id": f"{k}-{i}"})
                                                    for i in range(25)]) for k in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = drain(rabbitmq_url, queue_names[2], 100)
    finally:
        pub.stop()
    assert sorted(p.headers["request_id"] for p, _ in got) == sorted(f"{k}-{i}" for k in range(4) for i in range(25))

"""The image-store's /metrics: queue and dead-letter depths read from the broker, what the consumer did."""
from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from imagestore_testkit import data_message, image_bytes, wait_for
from prometheus_client.parser import text_string_to_metric_families

from ocr_common.messages import dead_letter_queue
from ocr_imagestore.main import create_app


def scrape(client: TestClient) -> dict[tuple, float]:
    r = client.get("/metrics")
    assert r.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def messages(samples: dict, queue: str) -> float | None:
    return samples.get(("ocrmesh_queue_messages", (("queue", queue),)))


def test_a_poison_message_raises_the_dead_letter_depth(settings, engine, publisher, queues):
    app = create_app(settings.model_copy(update={"CONSUMER_ENABLED": True, "QUEUE_METRICS_SECONDS": 0}))
    dlq = dead_letter_queue(queues.data)
    with TestClient(app) as client:
        wait_for(lambda: app.state.consumer.ready.is_set(), what="the consumer")
        before = scrape(client)
        assert before[("ocrmesh_queue_broker_reachable", ())] == 1
        assert messages(before, dlq) == 0 and messages(before, queues.data) == 0
        assert before[("ocrmesh_queue_consumers", (("queue", queues.data),))] == 1
        assert before[("ocrmesh_consumer_connected", ())] == 1

        good = str(uuid.uuid4())
        publisher.image(good, image_bytes())
        publisher.data(data_message(good))
        publisher.raw(queues.data, b"{not json")
        after = wait_for(lambda: (s := scrape(client)) and messages(s, dlq) == 1 and s, what="the DLQ depth at 1")
        wait_for(lambda: scrape(client).get(("ocrmesh_consumer_messages_total", (("outcome", "stored"),))) == 2,
                 what="two messages stored")
    assert after[("ocrmesh_consumer_messages_total", (("outcome", "dead_lettered"),))] == 1
    assert messages(after, queues.data) == 0 and messages(after, dead_letter_queue(queues.image)) == 0


def test_an_unreachable_broker_shows_as_such_without_stale_depths(db_settings, engine):
    app = create_app(db_settings.model_copy(update={"RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:1/%2F"}))
    with TestClient(app) as client:
        samples = scrape(client)
    assert samples[("ocrmesh_queue_broker_reachable", ())] == 0
    assert not [k for k in samples if k[0] == "ocrmesh_queue_messages"]

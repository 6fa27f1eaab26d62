"""ocr_common.metrics: throttled readings, admission figures, route labels."""
import asyncio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from ocr_common.admission import AdmissionGate, Priority
from ocr_common.errors import ApiError
from ocr_common.metrics import Throttled, admission, gauge, install_metrics


def test_throttled_reads_once_per_period_and_keeps_an_error_as_long():
    calls = []

    def read():
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("broker down")
        return len(calls)

    t = Throttled(read, 3600)
    assert t() == 1 and t() == 1 and len(calls) == 1
    t.seconds = 0
    with pytest.raises(ConnectionError):
        t()
    t.seconds = 3600
    with pytest.raises(ConnectionError):   # not asked again within the period
        t()
    assert len(calls) == 2
    t.seconds = 0
    assert t() == 3


def test_admission_figures_follow_the_gate():
    async def scenario():
        gate = AdmissionGate(concurrency=1, max_waiting=1, max_waiting_high=0)
        release = asyncio.Event()

        async def hold():
            async with gate.slot(Priority.NORMAL):
                await release.wait()

        first, second = asyncio.create_task(hold()), asyncio.create_task(hold())
        await asyncio.sleep(0.01)
        busy = {s.name: s.value for f in admission("x", "test", gate) for s in f.samples if not s.labels}
        with pytest.raises(ApiError, match="overloaded"):   # the wait room (1) is full
            async with gate.slot(Priority.NORMAL):
                pass
        release.set()
        await asyncio.gather(first, second)
        done = {(s.name, s.labels.get("priority")): s.value for f in admission("x", "test", gate) for s in f.samples}
        return busy, done

    busy, done = asyncio.run(scenario())
    assert busy == {"x_running": 1, "x_waiting": 1}
    assert done[("x_running", None)] == 0 and done[("x_waiting", None)] == 0
    assert done[("x_served_total", "normal")] == 2 and done[("x_refused_total", "normal")] == 1


def test_a_failing_reading_leaves_only_its_own_figures_out():
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int):
        return {"id": item_id}

    metrics = install_metrics(app)
    metrics.register(lambda: [gauge("good", "always there", 7)])
    metrics.register(lambda: 1 / 0)
    with TestClient(app) as client:
        for i in range(3):
            client.get(f"/items/{i}")
        text = client.get("/metrics").text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples[("good", ())] == 7
    # one series for the template, whatever the id
    assert samples[("ocrmesh_http_requests_total", (("method", "GET"), ("route", "/items/{item_id}"), ("status", "200")))] == 3

"""The model services' bounded priority queue (ocr_common.admission)."""
from __future__ import annotations

import asyncio
import time

import pytest

from ocr_common.admission import SINCE_HEADER, AdmissionGate, Priority, queue_headers, queued_since
from ocr_common.errors import ApiError


async def hold(gate: AdmissionGate, priority: Priority, order: list, name: str, release: asyncio.Event) -> None:
    async with gate.slot(priority):
        order.append(name)
        await release.wait()


def test_high_priority_is_served_before_waiting_normal_work():
    async def scenario():
        gate, order, go = AdmissionGate(concurrency=1, max_waiting=10), [], asyncio.Event()
        first = asyncio.create_task(hold(gate, Priority.NORMAL, order, "n0", go))
        await asyncio.sleep(0)
        tasks = [asyncio.create_task(hold(gate, Priority.NORMAL, order, f"n{i}", go)) for i in (1, 2)]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(hold(gate, Priority.HIGH, order, "h", go)))
        await asyncio.sleep(0.01)
        assert gate.waiting == 3 and order == ["n0"]
        go.set()
        await asyncio.gather(first, *tasks)
        return order, gate
    order, gate = asyncio.run(scenario())
    assert order == ["n0", "h", "n1", "n2"]
    assert gate.running == 0 and gate.waiting == 0 and gate.served == {"high": 1, "normal": 3}


def test_a_request_back_for_a_second_slot_keeps_its_place_in_line():
    """The gateway's page that needs decoding again (orientation) waits ahead of pages that arrived after it first
    did, and is not refused for a full room: it was admitted already."""
    async def scenario():
        gate, order, go = AdmissionGate(concurrency=1, max_waiting=2), [], asyncio.Event()
        async with gate.slot(Priority.NORMAL) as ticket:       # the page's first slot
            order.append("p first")
        first = asyncio.create_task(hold(gate, Priority.NORMAL, order, "n0", go))
        await asyncio.sleep(0)
        later = [asyncio.create_task(hold(gate, Priority.NORMAL, order, f"n{i}", go)) for i in (1, 2)]
        await asyncio.sleep(0.01)
        assert gate.waiting == 2                               # the room is full

        async def back():
            async with gate.slot(Priority.NORMAL, ticket):
                order.append("p again")
        again = asyncio.create_task(back())
        await asyncio.sleep(0.01)
        go.set()
        await asyncio.gather(first, again, *later)
        return order, gate
    order, gate = asyncio.run(scenario())
    assert order == ["p first", "n0", "p again", "n1", "n2"]
    assert gate.rejected == {"high": 0, "normal": 0}


def test_a_full_queue_refuses_at_once_with_retry_after_but_keeps_room_for_high():
    async def scenario():
        gate, order, go = AdmissionGate(concurrency=1, max_waiting=2, max_waiting_high=1), [], asyncio.Event()
        tasks = [asyncio.create_task(hold(gate, Priority.NORMAL, order, f"n{i}", go)) for i in range(3)]
        await asyncio.sleep(0.01)
        with pytest.raises(ApiError) as info:
            async with gate.slot(Priority.NORMAL):
                pass
        high = asyncio.create_task(hold(gate, Priority.HIGH, order, "h", go))
        await asyncio.sleep(0.01)
        with pytest.raises(ApiError):
            async with gate.slot(Priority.HIGH):   # the one high place is taken
                pass
        go.set()
        await asyncio.gather(*tasks, high)
        return info.value, order, gate
    error, order, gate = asyncio.run(scenario())
    assert (error.status, error.code) == (503, "overloaded") and int(error.headers["Retry-After"]) >= 1
    assert order == ["n0", "h", "n1", "n2"] and gate.rejected == {"high": 1, "normal": 1}


def test_waiting_too_long_is_503_and_a_gone_caller_frees_its_place():
    async def scenario():
        gate, go = AdmissionGate(concurrency=1, max_waiting=5, max_wait=0.05), asyncio.Event()
        busy = asyncio.create_task(hold(gate, Priority.NORMAL, [], "busy", go))
        await asyncio.sleep(0)
        with pytest.raises(ApiError):
            async with gate.slot(Priority.NORMAL):
                pass
        gone = asyncio.create_task(hold(gate, Priority.NORMAL, [], "gone", go))
        await asyncio.sleep(0.01)
        gone.cancel()
        await asyncio.sleep(0)
        go.set()
        await busy
        async with gate.slot(Priority.NORMAL):
            running = gate.running
        return gate, running
    gate, running = asyncio.run(scenario())
    assert running == 1 and gate.running == 0 and gate.waiting == 0


def test_priority_header_values():
    assert Priority.parse("HIGH") is Priority.HIGH and Priority.parse(" high ") is Priority.HIGH
    assert Priority.parse(None) is Priority.parse("urgent") is Priority.NORMAL


def test_calls_wait_oldest_page_first_whatever_their_arrival_here():
    """A page's recognition (or its orientation's second round) reaches a model service after younger pages' calls
    did: `since` (the gateway's X-Queued-Since) puts it ahead of them. A time in the future counts as now."""
    async def call(gate, order, name, go, since=None):
        async with gate.slot(Priority.NORMAL, since=since):
            order.append(name)
            await go.wait()

    async def scenario():
        gate, order, go = AdmissionGate(concurrency=1, max_waiting=10), [], asyncio.Event()
        now = time.time()
        tasks = [asyncio.create_task(call(gate, order, "running", go))]
        await asyncio.sleep(0)
        for name, since in (("young", now - 1), ("no header", None), ("future", now + 3600), ("old", now - 5)):
            tasks.append(asyncio.create_task(call(gate, order, name, go, since)))
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        go.set()
        await asyncio.gather(*tasks)
        return order
    assert asyncio.run(scenario()) == ["running", "old", "young", "no header", "future"]


@pytest.mark.parametrize("value, since", [("1765090000.25", 1765090000.25), ("", None), ("soon", None),
                                          ("nan", None), ("inf", None)])
def test_the_queued_since_header_is_a_finite_time_or_ignored(value, since):
    headers = {SINCE_HEADER: value} if value else {}
    assert queued_since(headers) == since
    if since is not None:
        assert queued_since(queue_headers(Priority.HIGH, since)) == since

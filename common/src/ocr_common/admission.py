"""A bounded, priority-aware wait queue in front of a model's inference slots.

A model service runs `concurrency` requests at a time (one, by default: more work on the same cores
only slows every request). Requests that find every slot taken wait in a heap ordered by
(priority, since, arrival), so a `high` request is served before every `normal` one that is waiting, and among
equals the oldest page first: `since` is when the page the call belongs to started through the mesh (the
gateway's `X-Queued-Since`), so a page's later calls (its recognition, a second round for its orientation) wait
behind older pages only, not behind every page that reached this service before them. The
wait room is bounded: past `max_waiting` waiters (normal requests) or `max_waiting_high` high ones, or
after `max_wait` seconds in the queue, a request is refused at once with 503 `overloaded` and a
Retry-After estimated from the recent service time, instead of timing out at the caller.

    gate = AdmissionGate(concurrency=1, max_waiting=32)
    async with gate.slot(priority) as ticket:   # raises ApiError(503, "overloaded") when full
        ...
    async with gate.slot(priority, ticket):     # the same request again: it keeps its place in line
        ...
    async with gate.slot(priority, since=queued_since(headers)):   # a model service: the page's place in line
        ...

Everything runs on the event loop; no lock is needed.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from enum import IntEnum
from typing import NamedTuple

from .errors import ApiError

PRIORITY_HEADER = "X-Priority"
SINCE_HEADER = "X-Queued-Since"   # seconds since the epoch, by the gateway's clock


class Priority(IntEnum):
    """Lower value is served first."""
    HIGH = 0
    NORMAL = 1

    @classmethod
    def parse(cls, value: str | None) -> Priority:
        """`high` (case-insensitive) is HIGH; anything else, missing included, is NORMAL."""
        return cls.HIGH if value and value.strip().lower() == "high" else cls.NORMAL

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Priority:
        return cls.parse(headers.get(PRIORITY_HEADER))

    @property
    def label(self) -> str:
        return self.name.lower()


class Ticket(NamedTuple):
    """A request's place in line: earlier `since` first, then earlier arrival here."""
    since: float
    seq: int


def queued_since(headers: Mapping[str, str]) -> float | None:
    """The `X-Queued-Since` time, or None when missing or not a finite number."""
    try:
        since = float(headers.get(SINCE_HEADER, ""))
    except ValueError:
        return None
    return since if math.isfinite(since) else None


def queue_headers(priority: Priority, since: float | None = None) -> dict[str, str]:
    """The headers a model call carries: its priority and, with `since`, its page's place in line."""
    headers = {PRIORITY_HEADER: priority.label}
    if since is not None:
        headers[SINCE_HEADER] = f"{since:.6f}"
    return headers


class AdmissionGate:
    def __init__(self, concurrency: int = 1, max_waiting: int = 32, max_waiting_high: int = 8,
                 max_wait: float = 30.0, name: str = "model"):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency, self.max_waiting, self.max_waiting_high = concurrency, max_waiting, max_waiting_high
        self.max_wait, self.name = max_wait, name
        self.running = 0
        self._heap: list[tuple[int, Ticket, asyncio.Future]] = []
        self._seq = itertools.count()
        self._service_time = 1.0          # EWMA of seconds per request, for Retry-After
        self.rejected = {p.label: 0 for p in Priority}
        self.served = {p.label: 0 for p in Priority}

    @property
    def waiting(self) -> int:
        return sum(1 for _, _, f in self._heap if not f.done())

    def retry_after(self) -> int:
        """Seconds until the queue has probably drained one place: at least 1."""
        return max(1, math.ceil(self._service_time * (self.waiting + 1) / self.concurrency))

    def _refuse(self, priority: Priority, why: str) -> ApiError:
        self.rejected[priority.label] += 1
        return ApiError(503, "overloaded", f"the {self.name} service is overloaded ({why}); retry later",
                        headers={"Retry-After": str(self.retry_after())})

    async def _acquire(self, priority: Priority, ticket: Ticket, returning: bool) -> None:
        if self.running < self.concurrency and not self.waiting:
            self.running += 1
            return
        # Normal requests share `max_waiting` places with everything waiting; high ones have
        # `max_waiting_high` places of their own, so a flood of normal work never shuts them out.
        # A returning request was admitted already: it waits whatever the room.
        if priority == Priority.HIGH:
            ahead, room = sum(1 for p, _, f in self._heap if p == Priority.HIGH and not f.done()), self.max_waiting_high
        else:
            ahead, room = self.waiting, self.max_waiting
        if ahead >= room and not returning:
            raise self._refuse(priority, f"{self.waiting} requests waiting")
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (int(priority), ticket, future))
        try:
            await asyncio.wait_for(asyncio.shield(future), self.max_wait)
        except TimeoutError:
            if future.done() and not future.cancelled():
                return  # granted at the very last moment: keep the slot
            future.cancel()
            raise self._refuse(priority, f"waited {self.max_wait:.0f}s") from None
        except asyncio.CancelledError:
            # The caller went away: give back a slot that may have been handed over meanwhile.
            if future.done() and not future.cancelled():
                self._release()
            else:
                future.cancel()
            raise

    def _release(self) -> None:
        while self._heap:
            _, _, future = heapq.heappop(self._heap)
            if not future.done():
                future.set_result(None)   # hand the slot over: `running` stays the same
                return
        self.running -= 1

    @asynccontextmanager
    async def slot(self, priority: Priority = Priority.NORMAL, ticket: Ticket | None = None,
                   since: float | None = None) -> AsyncIterator[Ticket]:
        """A slot; yields the request's ticket (its place in line). A request that needs a second slot passes its
        ticket back and waits ahead of everything that arrived after it first did. `since`: when the request's
        page started through the mesh (never later than now), instead of now."""
        returning = ticket is not None
        if ticket is None:
            now = time.time()
            ticket = Ticket(now if since is None else min(since, now), next(self._seq))
        await self._acquire(priority, ticket, returning)
        started = time.monotonic()
        try:
            yield ticket
        finally:
            self._service_time = 0.8 * self._service_time + 0.2 * (time.monotonic() - started)
            self.served[priority.label] += 1
            self._release()

    def stats(self) -> dict:
        return {"running": self.running, "waiting": self.waiting, "served": dict(self.served),
                "rejected": dict(self.rejected), "service_time_s": round(self._service_time, 3)}

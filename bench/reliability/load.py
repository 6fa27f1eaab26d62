"""Closed-loop HTTP load on the gateway: N asyncio clients, each sending the next image as soon as the
previous answer came back, for a fixed time (or a fixed number of requests). With several gateway processes
each client has one, and moves to the next when a connection to its own is refused (as a load balancer stops
sending to a replica that is gone; requests in flight on a process that died are still lost answers). Every answer is recorded; a 429/503 makes that client
wait its Retry-After (at most `max_backoff` s) before the next request.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class Outcome:
    client: int
    started: float          # seconds since the load began
    latency: float
    status: int             # 0: no HTTP answer (connection refused, reset, client timeout)
    error: str | None = None
    request_id: str | None = None
    lines: int = 0
    sha256: str | None = None   # of the uploaded bytes, to compare with what was stored
    priority: str = "normal"


@dataclass
class LoadResult:
    duration: float
    outcomes: list[Outcome] = field(default_factory=list)
    failovers: int = 0      # requests sent to another gateway process because the client's own refused the connection

    def accepted(self) -> dict[str, int]:
        """request_id -> number of lines, for every upload answered 200."""
        return {o.request_id: o.lines for o in self.outcomes if o.status == 200 and o.request_id}

    def sent(self) -> dict[str, str]:
        """request_id -> sha256 of the uploaded bytes, for every upload answered 200."""
        return {o.request_id: o.sha256 for o in self.outcomes if o.status == 200 and o.request_id}

    def summary(self, priority: str | None = None) -> dict:
        outs = [o for o in self.outcomes if priority is None or o.priority == priority]
        ok = sorted(o.latency for o in outs if o.status == 200)
        statuses = Counter(str(o.status) for o in outs)
        return {
            "requests": len(outs),
            "ok": len(ok),
            "throughput_rps": round(len(ok) / self.duration, 3) if self.duration else 0.0,
            "p50_s": percentile(ok, 50), "p95_s": percentile(ok, 95), "p99_s": percentile(ok, 99),
            "mean_s": round(statistics.fmean(ok), 3) if ok else None,
            "statuses": dict(sorted(statuses.items())),
            "server_errors": sum(1 for o in outs if o.status >= 500 and o.status != 503),
            "overloaded_503": statuses.get("503", 0),
            "limited_429": statuses.get("429", 0),
            "no_answer": statuses.get("0", 0),
            "failovers": self.failovers,
        }


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return round(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo), 3)


async def _post(gateways: list[httpx.AsyncClient], result: LoadResult, name: str, data: bytes, headers: dict,
                params: dict) -> httpx.Response:
    """POSTs to the client's own gateway, or to the next one when a connection is refused (a refusal on
    127.0.0.1 takes a millisecond; the own one is tried first again on the next request)."""
    for gateway in gateways[:-1]:
        try:
            return await gateway.post("/v1/ocr", files={"image": (name.rsplit("/", 1)[-1], data, "image/png")},
                                      headers=headers, params=params)
        except httpx.ConnectError:
            result.failovers += 1
    return await gateways[-1].post("/v1/ocr", files={"image": (name.rsplit("/", 1)[-1], data, "image/png")},
                                   headers=headers, params=params)


async def _client(i: int, gateways: list[httpx.AsyncClient], images, headers: dict, stop_at: float, t0: float,
                  result: LoadResult, priority: str, pause: float, max_backoff: float, tickets) -> None:
    params = {"priority": "high"} if priority == "high" else {}
    while time.monotonic() < stop_at and next(tickets):
        name, data = next(images)
        started = time.monotonic()
        out = Outcome(i, started - t0, 0.0, 0, priority=priority)
        try:
            r = await _post(gateways, result, name, data, headers, params)
            out.status = r.status_code
            if r.status_code == 200:
                body = r.json()
                out.request_id, out.lines = body["request_id"], len(body["lines"])
                out.sha256 = hashlib.sha256(data).hexdigest()
            else:
                try:
                    out.error = r.json().get("error")
                except ValueError:
                    out.error = r.text[:80]
        except httpx.HTTPError as exc:
            out.error = exc.__class__.__name__
        out.latency = time.monotonic() - started
        result.outcomes.append(out)
        wait = pause
        if out.status in (429, 503):
            try:
                wait = max(wait, min(float(r.headers.get("retry-after", "1")), max_backoff))
            except ValueError:
                wait = max(wait, 1.0)
        elif out.status == 0:
            wait = max(wait, 0.2)
        if wait:
            await asyncio.sleep(min(wait, max(0.0, stop_at - time.monotonic())))


async def run_load(base_url: str | list[str], images: list[tuple[str, bytes]], clients: int, duration: float,
                   headers: Callable[[int], dict] | dict | None = None, high_clients: int = 0,
                   high_pause: float = 1.0, timeout: float = 120.0, max_backoff: float = 2.0,
                   total: int | None = None, result: LoadResult | None = None) -> LoadResult:
    """`clients` normal clients plus `high_clients` priority=high ones (which pause `high_pause` s
    between requests), for `duration` seconds or until `total` requests were sent; requests in flight at the
    end are awaited. `result` (a fresh LoadResult) lets another thread watch the outcomes come in. With several
    base URLs (gateway processes), client i sends to the (i mod n)-th."""
    result = result or LoadResult(duration)
    tickets = itertools.chain(itertools.repeat(True, total), itertools.repeat(False)) if total is not None \
        else itertools.repeat(True)
    t0 = time.monotonic()
    stop_at = t0 + duration
    urls = [base_url] if isinstance(base_url, str) else base_url
    limits = httpx.Limits(max_connections=clients + high_clients + 4, max_keepalive_connections=clients + high_clients + 4)
    async with contextlib.AsyncExitStack() as stack:
        https = [await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits))
                 for url in urls]
        tasks = []
        for i in range(clients + high_clients):
            own = i % len(https)   # client i's gateway first, the others behind it
            h = headers(i) if callable(headers) else (headers or {})
            pool = itertools.cycle(images[i % len(images):] + images[:i % len(images)])
            high = i >= clients
            tasks.append(_client(i, https[own:] + https[:own], pool, h, stop_at, t0, result, "high" if high else "normal",
                                 high_pause if high else 0.0, max_backoff, tickets))
        await asyncio.gather(*tasks)
    result.duration = time.monotonic() - t0
    return result

"""Prometheus metrics for every service, served at `/metrics` (prometheus-client, one registry per app).

    metrics = install_metrics(app)     # /metrics, requests by route and status, the process's CPU and memory
    metrics.register(lambda: [gauge("ocrmesh_outbox_rows", "…", rows())])   # figures read at each scrape

`install_metrics` counts every HTTP request by method, route template (`/v1/ocr/{request_id}`, never the
raw path, so ids do not become labels) and status, with its duration. A service adds its own figures with
`register`: a function returning metric families, called at each scrape in a worker thread (it may block on
a database or a broker). `Throttled` keeps a costly reading for some seconds, so that frequent scrapes do not
load what they measure. A function that raises leaves its figures out of that scrape (and says why in the log).

With several worker processes behind one port (`GATEWAY_WORKERS` under `make up`) a scrape answers for the
process that took it; in Kubernetes each pod is one process and is scraped on its own.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from starlette.routing import Mount

log = logging.getLogger(__name__)

Values = float | Mapping[tuple[str, ...], float]


def gauge(name: str, documentation: str, values: Values, labels: Iterable[str] = ()) -> GaugeMetricFamily:
    """A gauge family: one value, or {label values: value} for `labels`."""
    return _family(GaugeMetricFamily, name, documentation, values, labels)


def counter(name: str, documentation: str, values: Values, labels: Iterable[str] = ()) -> CounterMetricFamily:
    """A counter family (a total kept elsewhere); `name` without `_total`."""
    return _family(CounterMetricFamily, name, documentation, values, labels)


def _family(kind, name, documentation, values, labels):
    labels = list(labels)
    if not labels:
        return kind(name, documentation, value=float(values))
    family = kind(name, documentation, labels=labels)
    for key, value in values.items():
        family.add_metric(list(key), float(value))
    return family


def admission(prefix: str, documentation: str, gate) -> list[Metric]:
    """The figures of an `ocr_common.admission.AdmissionGate`: requests running and waiting, and how many were
    served and refused per priority since the process started."""
    stats = gate.stats()
    return [gauge(f"{prefix}_running", f"{documentation}: requests holding a slot", stats["running"]),
            gauge(f"{prefix}_waiting", f"{documentation}: requests waiting for a slot", stats["waiting"]),
            counter(f"{prefix}_served", f"{documentation}: requests served, by priority",
                    {(p,): n for p, n in stats["served"].items()}, ["priority"]),
            counter(f"{prefix}_refused", f"{documentation}: requests refused 503 overloaded, by priority",
                    {(p,): n for p, n in stats["rejected"].items()}, ["priority"])]


class Throttled:
    """Calls `read` at most once every `seconds` and answers its last result meanwhile (an error too: a broker
    that is down is not asked again at every scrape)."""

    def __init__(self, read: Callable[[], Any], seconds: float):
        self.read, self.seconds = read, seconds
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._result: Any = None
        self._error: BaseException | None = None

    def __call__(self) -> Any:
        with self._lock:
            if time.monotonic() - self._at >= self.seconds:
                try:
                    self._result, self._error = self.read(), None
                except Exception as exc:   # kept and raised to each caller until the next reading
                    self._result, self._error = None, exc
                self._at = time.monotonic()
            if self._error is not None:
                raise self._error
            return self._result


class _Callback:
    def __init__(self, read: Callable[[], Iterable[Metric]]):
        self.read = read

    def collect(self) -> Iterable[Metric]:
        try:
            return list(self.read())
        except Exception as exc:
            log.warning("metrics left out of this scrape (%s: %s)", type(exc).__name__, exc)
            return []


class Metrics:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.requests = Counter("ocrmesh_http_requests", "HTTP requests answered, by method, route and status",
                                ["method", "route", "status"], registry=registry)
        self.duration = Histogram("ocrmesh_http_request_duration_seconds", "time to answer, by method and route",
                                  ["method", "route"], registry=registry,
                                  buckets=(0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))

    def register(self, read: Callable[[], Iterable[Metric]]) -> None:
        """`read` returns metric families (`gauge`, `counter`, `admission`); it runs at every scrape."""
        self.registry.register(_Callback(read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_label(scope: Mapping[str, Any]) -> str:
    """The route template that answered (`/v1/ocr/{request_id}`), `{path}` under a mount, `unmatched` for none."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    if isinstance(route, Mount):   # a mounted app: the front end, the portal
        return f"{path}/{{path}}"
    return path or "/"


class RequestMetrics:
    """ASGI middleware counting each answered request (a request whose handler raised counts as 500)."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = 500
        started = time.perf_counter()

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route, method = route_label(scope), scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI) -> Metrics:
    """Adds `/metrics` (not in the OpenAPI document) and the request counters to `app`; returns its Metrics."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    metrics = Metrics(registry)
    app.add_middleware(RequestMetrics, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:   # a plain def: collectors may block, so it runs in a worker thread
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.state.metrics = metrics
    return metrics

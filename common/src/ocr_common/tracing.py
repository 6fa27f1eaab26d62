"""OpenTelemetry for every service: spans always, OTLP or file export, W3C context over HTTP and AMQP.

The tracing SDK always runs, so every answer and log line has a trace id and context crosses services
whatever the deployment. Where spans go is a setting: `OTEL_EXPORTER_OTLP_ENDPOINT` (Jaeger ingests
OTLP/HTTP on :4318) exports them; `OTEL_TRACES_DIR` writes them as JSON lines, one file per process
(`make up` sets it to `var/traces`, read with `ocrmesh trace TRACE_ID`); with neither they are dropped.
Messages carry the W3C `traceparent` header, so a consumer's span joins the trace that produced it.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry import context, propagate, trace

_configured = False


def setup_tracing(service_name: str) -> None:
    """Installs the tracer provider and its exporters (once per process)."""
    global _configured
    if _configured:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=500))
    if traces_dir := os.environ.get("OTEL_TRACES_DIR"):
        provider.add_span_processor(BatchSpanProcessor(file_exporter(Path(traces_dir), service_name),
                                                       schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    if _installed("httpx"):
        HTTPXClientInstrumentor().instrument()
    _configured = True


def _installed(distribution: str) -> bool:
    """Only the services that call peers over HTTP install httpx (the gateway); instrumenting it elsewhere logs,
    at every start, that there is nothing to instrument."""
    import importlib.metadata

    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def file_exporter(traces_dir: Path, service_name: str):
    """Spans as one JSON object per line in `<dir>/<service>-<pid>.jsonl` (a file per process, so
    several workers never interleave their writes)."""
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    traces_dir.mkdir(parents=True, exist_ok=True)
    out = open(traces_dir / f"{service_name}-{os.getpid()}.jsonl", "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
    return ConsoleSpanExporter(service_name=service_name, out=out, formatter=lambda span: span.to_json(indent=None) + "\n")


def instrument_app(app) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # No span per ASGI message: a page's line images arrive in about a hundred chunks, each an "http receive" span
    # that said nothing the request's own span does not.
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,health,metrics", exclude_spans=["receive", "send"])


def shutdown_tracing() -> None:
    provider = trace.get_tracer_provider()
    if hasattr(provider, "force_flush"):
        provider.force_flush()


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def inject_headers(headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Adds `traceparent` (and `tracestate`) of the current span to a message's headers."""
    headers = dict(headers or {})
    propagate.inject(headers)
    return headers


@contextmanager
def span_from_headers(name: str, headers: Mapping[str, Any] | None, kind=trace.SpanKind.CONSUMER, **attributes) -> Iterator:
    """A span whose parent is the context carried in AMQP headers (values may be bytes)."""
    carrier = {k: (v.decode() if isinstance(v, bytes | bytearray) else v) for k, v in (headers or {}).items()
               if isinstance(v, str | bytes | bytearray)}
    token = context.attach(propagate.extract(carrier))
    try:
        with trace.get_tracer("ocrmesh").start_as_current_span(name, kind=kind, attributes=attributes) as span:
            yield span
    finally:
        context.detach(token)


class TraceIdFilter(logging.Filter):
    """Puts the current trace and span ids on every log record (JSON logs show them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            record.trace_id = format(ctx.trace_id, "032x")
            record.span_id = format(ctx.span_id, "016x")
        return True

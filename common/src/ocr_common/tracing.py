"""OpenTelemetry for every service: OTLP export, FastAPI and httpx spans, W3C context over AMQP.

Tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (Jaeger ingests OTLP/HTTP on :4318) or
`ENABLE_TRACING=1`; otherwise every helper here is a cheap no-op. Messages carry the W3C
`traceparent` header, so a consumer's span joins the trace of the request that produced it.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace

_configured = False


def tracing_enabled() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")) or os.environ.get("ENABLE_TRACING") == "1"


def setup_tracing(service_name: str) -> None:
    """Installs the tracer provider with an OTLP/HTTP exporter (once per process)."""
    global _configured
    if _configured or not tracing_enabled():
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument()
    _configured = True


def instrument_app(app) -> None:
    if tracing_enabled():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,health")


def shutdown_tracing() -> None:
    provider = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
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

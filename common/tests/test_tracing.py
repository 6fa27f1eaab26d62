"""The tracing SDK runs in every mode: without an OTLP endpoint, answers and log lines still get trace ids,
and with OTEL_TRACES_DIR the spans are written where `ocrmesh trace` reads them back as a tree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from ocrmesh.traces import read_spans, span_tree

# A service in miniature, in its own process (a tracer provider can be installed once per process).
SERVICE = textwrap.dedent("""
    import json, logging, sys
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from opentelemetry import trace
    from ocr_common.tracing import TraceIdFilter, current_trace_id, instrument_app, setup_tracing, shutdown_tracing

    setup_tracing("demo")
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    handler.addFilter(TraceIdFilter())
    log = logging.getLogger("demo")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    app = FastAPI()

    @app.get("/work")
    def work():
        with trace.get_tracer("demo").start_as_current_span("inner step"):
            log.info("working")
        return {"trace_id": current_trace_id()}

    instrument_app(app)
    body = TestClient(app).get("/work").json()
    shutdown_tracing()
    print(json.dumps({"trace_id": body["trace_id"], "logged": getattr(records[0], "trace_id", None)}))
""")


def run_service(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    out = subprocess.run([sys.executable, "-c", SERVICE], env=clean | env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_trace_ids_without_any_exporter():
    result = run_service({})
    assert result["trace_id"] and len(result["trace_id"]) == 32
    assert result["logged"] == result["trace_id"]


def test_spans_written_to_the_traces_dir_read_back_as_a_tree(tmp_path):
    result = run_service({"OTEL_TRACES_DIR": str(tmp_path)})
    files = list(tmp_path.glob("demo-*.jsonl"))
    assert len(files) == 1
    spans = read_spans(tmp_path, result["trace_id"])
    tree = [(depth, s["name"]) for depth, s in span_tree(spans)]
    assert tree[0] == (0, "GET /work")
    assert (1, "inner step") in tree   # the inner span sits under the request's span
    assert read_spans(tmp_path, "0" * 32) == []
    shown = subprocess.run([sys.executable, "-m", "ocrmesh", "trace", result["trace_id"], "--dir", str(tmp_path)],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "demo: GET /work" in shown.stdout and "  demo: inner step" in shown.stdout, shown


# setup_tracing as a model service runs it: httpx is not installed there (importlib.metadata does not know it).
WITHOUT_HTTPX = textwrap.dedent("""
    import importlib.metadata, logging, sys

    installed = importlib.metadata.version
    def version(name):
        if name == "httpx" and sys.argv[1] == "absent":
            raise importlib.metadata.PackageNotFoundError(name)
        return installed(name)
    importlib.metadata.version = version
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from ocr_common.tracing import setup_tracing

    setup_tracing("detection")
    print(HTTPXClientInstrumentor().is_instrumented_by_opentelemetry)
""")


def test_httpx_is_instrumented_only_where_it_is_installed():
    for httpx, instrumented in (("absent", "False"), ("installed", "True")):
        run = subprocess.run([sys.executable, "-c", WITHOUT_HTTPX, httpx], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == instrumented
        assert "httpx" not in run.stderr, run.stderr      # no "no installed version" notice at start-up

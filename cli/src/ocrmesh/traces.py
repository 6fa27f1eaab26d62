"""`ocrmesh trace TRACE_ID`: one request's spans, as the services wrote them under `make up`.

Each service process writes its spans to `OTEL_TRACES_DIR` (`var/traces` under `make up`, see
ocr_common.tracing); this reads them back and prints the trace as a tree: service, span, duration.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from .paths import REPO_ROOT


def read_spans(traces_dir: Path, trace_id: str) -> list[dict]:
    """The spans of one trace from every `*.jsonl` file of the folder (unreadable lines skipped)."""
    wanted = "0x" + trace_id.lower().removeprefix("0x")
    spans = []
    for path in sorted(traces_dir.glob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if wanted not in line:
                    continue
                try:
                    span = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if span.get("context", {}).get("trace_id") == wanted:
                    spans.append(span)
    return spans


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def span_tree(spans: list[dict]) -> list[tuple[int, dict]]:
    """(depth, span) in start order, each span below its parent; a span whose parent is missing is a root."""
    ids = {s["context"]["span_id"] for s in spans}
    children: dict[str | None, list[dict]] = {}
    for s in spans:
        parent = s.get("parent_id")
        children.setdefault(parent if parent in ids else None, []).append(s)
    out: list[tuple[int, dict]] = []

    def walk(parent: str | None, depth: int) -> None:
        for s in sorted(children.get(parent, []), key=lambda s: s["start_time"]):
            out.append((depth, s))
            walk(s["context"]["span_id"], depth + 1)

    walk(None, 0)
    return out


def format_tree(spans: list[dict]) -> str:
    start = min(_time(s["start_time"]) for s in spans)
    rows = []
    for depth, s in span_tree(spans):
        began = (_time(s["start_time"]) - start).total_seconds() * 1000
        took = (_time(s["end_time"]) - _time(s["start_time"])).total_seconds() * 1000
        service = s.get("resource", {}).get("attributes", {}).get("service.name", "?")
        rows.append(f"{began:8.1f} ms {took:8.1f} ms  {'  ' * depth}{service}: {s['name']}")
    return "\n".join(rows)


def run_trace(args: argparse.Namespace) -> int:
    spans = read_spans(args.dir, args.trace_id)
    if not spans:
        print(f"ocrmesh: no spans of trace {args.trace_id} in {args.dir}", file=sys.stderr)
        return 1
    print(format_tree(spans))
    return 0


def add_trace(sub) -> None:
    p = sub.add_parser("trace", help="print one request's spans (the X-Trace-Id of an answer) as a tree")
    p.add_argument("trace_id", help="32 hex digits, as in an answer's trace_id or X-Trace-Id")
    p.add_argument("--dir", type=Path, default=REPO_ROOT / "var" / "traces",
                   help="the services' OTEL_TRACES_DIR (default: var/traces, where make up writes them)")
    p.set_defaults(func=run_trace)

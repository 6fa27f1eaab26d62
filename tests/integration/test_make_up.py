"""`make up` (scripts/up.py): starts the whole mesh, serves OCR, and stops every process on Ctrl-C."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from reliability.harness import uvicorn_workers
from reliability.ports import free_port

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_up_serves_ocr_and_stops_everything_on_sigint(tmp_path, database_url, evaldata):
    ports = {name: free_port() for name in ("GATEWAY_PORT", "DETECTION_PORT", "RECOGNITION_PORT", "IMAGESTORE_PORT")}
    suffix = os.urandom(4).hex()
    queues = {"IMAGE_QUEUE": f"up.imageQueue.{suffix}", "IMAGE_DATA_QUEUE": f"up.imageDataQueue.{suffix}",
              "TEXT_CORRECTION_QUEUE": f"up.textCorrectionQueue.{suffix}"}  # not the real queues of a local `make up`
    env = dict(os.environ, **{k: str(v) for k, v in ports.items()}, **queues, OCRMESH_VAR=str(tmp_path / "var"),
               DATABASE_URL=database_url, GATEWAY_WORKERS="2")
    proc = subprocess.Popen([sys.executable, str(REPO / "scripts" / "up.py")], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            line = proc.stdout.readline()
            out.append(line)
            if "ocrmesh is running" in line or proc.poll() is not None:
                break
        assert "ocrmesh is running" in "".join(out), "".join(out)
        assert f"http://127.0.0.1:{ports['GATEWAY_PORT']}/" in "".join(out)
        image = (evaldata / "lines" / "sroie" / "133_002.png").read_bytes()
        r = httpx.post(f"http://127.0.0.1:{ports['GATEWAY_PORT']}/v1/ocr", files={"image": ("a.png", image, "image/png")},
                       timeout=60)
        assert r.status_code == 200 and r.json()["lines"], r.text
        trace_id = r.json()["trace_id"]   # no OTLP endpoint here: the tracing SDK runs all the same
        assert trace_id and len(trace_id) == 32 and r.headers["x-trace-id"] == trace_id
        assert len(uvicorn_workers(ports["GATEWAY_PORT"])) == 2   # GATEWAY_WORKERS gateway processes, one port
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(out) + rest
    assert "ocrmesh: stopped" in rest
    assert not any(port_open(p) for p in ports.values())  # every service it started is gone
    # The request's spans were kept in var/traces, one trace across the gateway and both model services.
    shown = subprocess.run([sys.executable, "-m", "ocrmesh", "trace", trace_id, "--dir", str(tmp_path / "var" / "traces")],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert all(f"{svc}: " in shown.stdout for svc in ("gateway", "detection", "recognition")), shown.stdout
    import pika

    conn = pika.BlockingConnection(pika.URLParameters("amqp://guest:guest@127.0.0.1:5672/%2F"))
    for q in queues.values():
        for name in (q, f"{q}.dlq"):
            ch = conn.channel()
            try:
                ch.queue_delete(name)
            except pika.exceptions.ChannelClosedByBroker:
                pass
    conn.close()

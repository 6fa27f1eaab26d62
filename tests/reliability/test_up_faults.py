"""Issue 12's proof: `make up` (scripts/up.py) with two gateway processes takes 120 uploads 8-way while one gateway
process is killed with SIGKILL and the broker node is killed and started again; every accepted request_id is stored
exactly once, with its file byte for byte.

The mesh runs as `make up` runs it (up.py, GATEWAY_WORKERS=2: uvicorn workers on one port), on a RabbitMQ node of
its own (bench/reliability/broker.py) and a fresh database. up.py's output, which carries the image-store's JSON log
(one "stored" line per message), goes to the file the harness counts deliveries from.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from reliability import harness
from reliability.load import LoadResult, run_load

pytestmark = pytest.mark.integration

UPLOADS, CLIENTS = 120, 8


def line_crops(n: int) -> list[tuple[str, bytes]]:
    crops = sorted((harness.EVALDATA / "lines").glob("*/*.png"))
    if len(crops) < n:
        pytest.fail(f"evaluation data missing at {harness.EVALDATA}")
    step = len(crops) // n
    return [(f"lines/{p.parent.name}/{p.name}", p.read_bytes()) for p in crops[::step][:n]]


def test_up_with_two_gateways_loses_nothing_through_a_gateway_kill_and_a_broker_restart(tmp_path):
    database_url = harness.create_database()
    mesh = harness.Mesh(tmp_path, database_url)   # its queues, ports, broker node and log folder; up.py starts the rest
    env = dict(os.environ, **mesh.queues, DATABASE_URL=database_url, RABBITMQ_URL=mesh.broker.url, GATEWAY_WORKERS="2",
               OCRMESH_VAR=str(tmp_path), LOG_LEVEL="INFO", GATEWAY_PORT=str(mesh.ports["gateway"]),
               DETECTION_PORT=str(mesh.ports["detection"]), RECOGNITION_PORT=str(mesh.ports["recognition"]),
               IMAGESTORE_PORT=str(mesh.ports["image-store"]))
    for key in ("PORT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        env.pop(key, None)
    log = mesh.logs / "image-store.log"   # up.py's output: every service's log, the image-store's among them
    up = None
    try:
        mesh.broker.start()
        with open(log, "ab") as out:
            up = subprocess.Popen([sys.executable, str(harness.REPO / "scripts" / "up.py")], env=env, cwd=harness.REPO,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        harness.wait_until(lambda: "ocrmesh is running" in log.read_text(errors="replace") or up.poll() is not None,
                           240, 0.5, "up.py running")
        assert up.poll() is None, log.read_text(errors="replace")[-3000:]
        workers = harness.wait_until(lambda: (w := harness.uvicorn_workers(mesh.ports["gateway"])) and len(w) == 2 and w,
                                     60, 0.5, "two gateway processes")

        result, faults = LoadResult(0.0), []

        def inject():
            """A gateway process is SIGKILLed a quarter of the way in; the broker node at half way, for 3 s."""
            harness.wait_until(lambda: len(result.outcomes) >= UPLOADS // 4, 300, 0.05, "a quarter of the uploads")
            os.kill(workers[0], signal.SIGKILL)
            faults.append(("gateway process killed", len(result.outcomes)))
            harness.wait_until(lambda: len(result.outcomes) >= UPLOADS // 2, 300, 0.05, "half of the uploads")
            mesh.broker.kill()
            faults.append(("broker killed", len(result.outcomes)))
            time.sleep(3)
            mesh.broker.start()
            faults.append(("broker started", len(result.outcomes)))

        injector = threading.Thread(target=inject, daemon=True)
        injector.start()
        asyncio.run(run_load(mesh.url("gateway"), line_crops(UPLOADS), clients=CLIENTS, duration=600, total=UPLOADS,
                             result=result, timeout=60))
        injector.join(120)
        assert [f[0] for f in faults] == ["gateway process killed", "broker killed", "broker started"], faults
        summary = result.summary()
        assert summary["requests"] == UPLOADS, summary
        # Only requests in flight on the killed process may go unanswered; the broker outage refuses nothing.
        assert summary["ok"] >= UPLOADS - 2 * CLIENTS and summary["server_errors"] == 0, summary

        state = harness.assert_stored(mesh, result.accepted(), timeout=150, sent=result.sent())
        assert state["deliveries"]["stored"] == 2 * state["accepted"], state   # the image and its data, once each
        replaced = harness.uvicorn_workers(mesh.ports["gateway"])
        assert len(replaced) == 2 and workers[0] not in replaced      # uvicorn replaced the killed process
    finally:
        if up is not None and up.poll() is None:
            up.send_signal(signal.SIGINT)
            try:
                up.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)
        mesh.broker.stop()
        harness.drop_database(database_url)

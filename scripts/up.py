"""Starts the whole ocrmesh mesh locally and stops every process it started on Ctrl-C.

PostgreSQL and RabbitMQ come from scripts/infra.sh (started or installed when missing). Each
service then runs as its own process on 127.0.0.1; start-up waits for each one's /readyz, and a
service that exits takes the others down, so a broken start is never left half-running.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
HOST = os.environ.get("OCRMESH_HOST", "127.0.0.1")
VAR = Path(os.environ.get("OCRMESH_VAR", REPO / "var"))


def port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


GATEWAY_PORT = port("GATEWAY_PORT", 8080)
DETECTION_PORT = port("DETECTION_PORT", 8001)
RECOGNITION_PORT = port("RECOGNITION_PORT", 8002)
IMAGESTORE_PORT = port("IMAGESTORE_PORT", 8003)
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/ocrmesh")
RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
# Gateway processes behind one port (uvicorn's workers; a worker that dies is replaced). Their shared
# state is in PostgreSQL, so any number can run; each one's outbox relay publishes what any of them queued.
GATEWAY_WORKERS = int(os.environ.get("GATEWAY_WORKERS", "1"))


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready_url: str | None = None


def uvicorn(module: str, service_port: int, workers: int = 1) -> list[str]:
    return [str(BIN / "uvicorn"), f"{module}:create_app", "--factory", "--host", HOST, "--port", str(service_port),
            "--no-access-log", "--log-level", "warning", *(["--workers", str(workers)] if workers > 1 else [])]


def mesh() -> list[Service]:
    url = lambda p: f"http://{HOST}:{p}"  # noqa: E731
    # The image-store process runs its queue consumers in a thread next to its read API.
    # Every owner's corrections may teach the models on a developer's own machine (the chart asks for opt-ins).
    store_env = {"DATABASE_URL": DATABASE_URL, "RABBITMQ_URL": RABBITMQ_URL, "IMAGE_ROOT": str(VAR / "images"),
                 "TRAINING_OWNERS": os.environ.get("TRAINING_OWNERS", "*")}
    frontend, portal = REPO / "services" / "frontend" / "dist", REPO / "services" / "docs-portal" / "dist"
    return [
        Service("detection", uvicorn("ocr_detection.main", DETECTION_PORT), ready_url=url(DETECTION_PORT)),
        Service("recognition", uvicorn("ocr_recognition.main", RECOGNITION_PORT), ready_url=url(RECOGNITION_PORT)),
        Service("image-store", uvicorn("ocr_imagestore.main", IMAGESTORE_PORT), store_env, url(IMAGESTORE_PORT)),
        Service("gateway", uvicorn("ocr_gateway.main", GATEWAY_PORT, GATEWAY_WORKERS), {
            "DETECTION_URL": url(DETECTION_PORT), "RECOGNITION_URL": url(RECOGNITION_PORT),
            "IMAGESTORE_URL": url(IMAGESTORE_PORT), "RABBITMQ_URL": RABBITMQ_URL, "DATABASE_URL": DATABASE_URL,
            **({"STATIC_DIR": str(frontend)} if frontend.is_dir() else {}),
            **({"PORTAL_DIR": str(portal)} if portal.is_dir() else {}),
        }, url(GATEWAY_PORT)),
    ]


def ensure_database() -> None:
    """Creates the ocrmesh database on first start (the image-store and the gateway migrate their schemas)."""
    import sqlalchemy as sa

    target = sa.engine.make_url(DATABASE_URL)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 180) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    subprocess.run(["bash", str(REPO / "scripts" / "infra.sh")], check=True)
    ensure_database()
    VAR.mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for svc in mesh():
            # Spans go to var/traces (read one with `ocrmesh trace ID`) unless an OTLP endpoint is set.
            env = {"OTEL_TRACES_DIR": str(VAR / "traces"), **os.environ, "OTEL_SERVICE_NAME": svc.name, **svc.env}
            env.pop("PORT", None)
            procs[svc.name] = subprocess.Popen(svc.command, env=env, cwd=REPO, start_new_session=True)
            if svc.ready_url:
                if not wait_ready(svc.ready_url, procs[svc.name]):
                    print(f"ocrmesh: {svc.name} did not become ready", file=sys.stderr)
                    return 1
                print(f"ocrmesh: {svc.name} ready at {svc.ready_url}", flush=True)
            if stopping:
                return 0
        print(f"\nocrmesh is running: open http://{HOST}:{GATEWAY_PORT}/ (API docs at /docs, portal at /portal/)."
              "\nPress Ctrl-C to stop.", flush=True)
        while not stopping:
            for name, p in procs.items():
                if p.poll() is not None:
                    print(f"ocrmesh: {name} exited with code {p.returncode}; stopping", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        print("ocrmesh: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())

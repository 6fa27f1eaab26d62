"""The real mesh for end-to-end tests: every service as its own process on free ports, a fresh
database, a RabbitMQ node of its own (tests kill it), and an OTLP/HTTP receiver that collects the spans
the services export."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from reliability.broker import PrivateBroker  # noqa: E402
from reliability.ports import free_port  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("OCRMESH_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
RABBITMQ = os.environ.get("OCRMESH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


class SpanReceiver:
    """A minimal OTLP/HTTP trace endpoint: decodes every export the services send."""

    def __init__(self):
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        spans = self.spans = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                req = ExportTraceServiceRequest()
                req.ParseFromString(body)
                for rs in req.resource_spans:
                    service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "")
                    for ss in rs.scope_spans:
                        for sp in ss.spans:
                            spans.append({"service": service, "name": sp.name, "trace_id": sp.trace_id.hex()})
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.server.shutdown()


class Mesh:
    def __init__(self, tmp: Path, database_url: str, spans: SpanReceiver, broker: PrivateBroker):
        suffix = secrets.token_hex(4)
        self.queues = {"IMAGE_QUEUE": f"e2e.imageQueue.{suffix}", "IMAGE_DATA_QUEUE": f"e2e.imageDataQueue.{suffix}",
                       "TEXT_CORRECTION_QUEUE": f"e2e.textCorrectionQueue.{suffix}"}
        self.ports = {name: free_port() for name in ("detection", "recognition", "image-store", "gateway")}
        self.database_url = database_url
        self.broker = broker
        self.image_root = tmp / "images"
        self.spans = spans
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = tmp / "logs"
        self.logs.mkdir()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def env(self, name: str) -> dict:
        env = dict(os.environ, OTEL_SERVICE_NAME=name, OTEL_EXPORTER_OTLP_ENDPOINT=self.spans.endpoint,
                   OTEL_BSP_SCHEDULE_DELAY="200", **self.queues)
        env.pop("PORT", None)
        if name == "image-store":
            env.update(DATABASE_URL=self.database_url, RABBITMQ_URL=self.broker.url, IMAGE_ROOT=str(self.image_root),
                       RETRY_BACKOFF_MAX="1", TRAINING_OWNERS="*")
        if name == "gateway":
            env.update(DETECTION_URL=self.url("detection"), RECOGNITION_URL=self.url("recognition"),
                       IMAGESTORE_URL=self.url("image-store"), RABBITMQ_URL=self.broker.url, DATABASE_URL=self.database_url)
        return env

    def start(self, name: str) -> None:
        module = {"detection": "ocr_detection.main", "recognition": "ocr_recognition.main",
                  "image-store": "ocr_imagestore.main", "gateway": "ocr_gateway.main"}[name]
        cmd = [str(BIN / "uvicorn"), f"{module}:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(self.ports[name]), "--no-access-log"]
        log = open(self.logs / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(cmd, env=self.env(name), cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited: {(self.logs / f'{name}.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url(name)}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{name} did not become ready")

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, sig)
        proc.wait(30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)


@pytest.fixture(scope="session")
def spans():
    receiver = SpanReceiver()
    yield receiver
    receiver.close()


def scratch_database(prefix: str):
    """A new database on the test PostgreSQL (its URL), dropped afterwards."""
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{secrets.token_hex(5)}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable: {exc}")  # `make test` starts it; never skip
    yield sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url():
    """The database of the whole mesh (session)."""
    yield from scratch_database("ocrmesh_e2e")


@pytest.fixture()
def database():
    """A fresh database for one test."""
    yield from scratch_database("ocrmesh_test")


@pytest.fixture(scope="session")
def mesh(tmp_path_factory, database_url, spans):
    """The mesh on its own RabbitMQ node (its queues go with it), so a test may kill the broker."""
    broker = PrivateBroker(tmp_path_factory.mktemp("broker"))
    broker.start()
    m = Mesh(tmp_path_factory.mktemp("mesh"), database_url, spans, broker)
    try:
        for name in ("detection", "recognition", "image-store", "gateway"):
            m.start(name)
        yield m
    finally:
        m.stop_all()
        broker.stop()


@pytest.fixture(scope="session")
def db(mesh):
    engine = sa.create_engine(mesh.database_url)
    yield engine
    engine.dispose()

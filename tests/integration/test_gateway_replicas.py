"""Two gateway processes on one database: one is killed with SIGKILL while its outbox relay holds a batch
of unpublished rows (its broker connection frozen mid-publish); the other publishes every row. Nothing is
lost and nothing is delivered twice: deliveries are counted on the queues, per request_id."""
from __future__ import annotations

import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
import pika
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, File, UploadFile
from PIL import Image
from reliability.ports import free_port

from ocr_common.messages import declare_queue

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RABBITMQ_HOST, RABBITMQ_PORT = "127.0.0.1", 5672
pytestmark = pytest.mark.integration


class FreezableProxy:
    """A TCP proxy to RabbitMQ that can stop forwarding (bytes are held, connections stay open): a broker
    that stopped answering in the middle of a publish."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.frozen, self.closed = target, threading.Event(), threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.forwarded = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket):
        try:
            while data := src.recv(65536):
                while self.frozen.is_set() and not self.closed.is_set():
                    time.sleep(0.05)
                dst.sendall(data)
                self.forwarded += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.closed.set()
        self.listener.close()


def stand_in_peers() -> FastAPI:
    """Detection and recognition in one tiny app: one line per image."""
    app = FastAPI()

    @app.get("/readyz")
    def ready():
        return {"status": "ok"}

    @app.post("/v1/detect")
    async def detect(image: UploadFile = File(...)):
        w, h = Image.open(io.BytesIO(await image.read())).size
        return {"width": w, "height": h, "model_version": "d",
                "lines": [{"points": [[1, 1], [w - 1, 1], [w - 1, h - 1], [1, h - 1]], "score": 0.9}]}

    @app.post("/v1/recognize")
    async def recognize(images: list[UploadFile] = File(...)):
        return {"model_version": "r", "lines": [{"text": "KILLED", "confidence": 0.99} for _ in images]}
    return app


@pytest.fixture()
def peers():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(stand_in_peers(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture()
def queues():
    suffix = secrets.token_hex(4)
    names = {"IMAGE_QUEUE": f"kill.imageQueue.{suffix}", "IMAGE_DATA_QUEUE": f"kill.imageDataQueue.{suffix}",
             "TEXT_CORRECTION_QUEUE": f"kill.textCorrectionQueue.{suffix}"}
    try:
        conn = pika.BlockingConnection(pika.ConnectionParameters(RABBITMQ_HOST, RABBITMQ_PORT))
    except pika.exceptions.AMQPError as exc:
        pytest.fail(f"RabbitMQ is not reachable: {exc!r}")   # `make test` starts it; never skip
    ch = conn.channel()
    for name in names.values():
        declare_queue(ch, name)
    yield names
    for name in names.values():
        for q in (name, f"{name}.dlq"):
            ch = conn.channel()
            try:
                ch.queue_delete(q)
            except pika.exceptions.ChannelClosedByBroker:
                pass
    conn.close()


class Gateway:
    def __init__(self, tmp: Path, name: str, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"{name}.log"
        cmd = [str(BIN / "uvicorn"), "ocr_gateway.main:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(self.port), "--no-access-log"]
        full_env = dict(os.environ, OTEL_SERVICE_NAME=name, LOG_LEVEL="INFO", **env)
        full_env.pop("PORT", None)
        self.proc = subprocess.Popen(cmd, env=full_env, cwd=REPO, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{name} did not become ready: {self.log.read_text()[-3000:]}")

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        self.proc.wait(30)


def png(i: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((24, 64, 3), i % 256, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def deliveries(queue: str, expected: int, settle: float = 2.0, timeout: float = 60.0) -> Counter:
    """Consumes (and acks) every message of `queue` until `expected` arrived and `settle` seconds passed
    without another: request_id -> times delivered."""
    conn = pika.BlockingConnection(pika.ConnectionParameters(RABBITMQ_HOST, RABBITMQ_PORT))
    ch = conn.channel()
    seen: Counter = Counter()
    deadline, quiet_since = time.time() + timeout, None
    while time.time() < deadline:
        method, props, _ = ch.basic_get(queue, auto_ack=True)
        if method is not None:
            seen[props.headers["request_id"]] += 1
            quiet_since = None
            continue
        if sum(seen.values()) >= expected:
            quiet_since = quiet_since or time.time()
            if time.time() - quiet_since >= settle:
                break
        conn.sleep(0.1)
    conn.close()
    return seen


def locked_outbox_rows(engine) -> tuple[int, int]:
    """(rows, rows some other transaction holds) of the outbox."""
    with engine.connect() as conn, conn.begin():
        total = conn.execute(sa.text("SELECT count(*) FROM gateway.outbox")).scalar_one()
        free = conn.execute(sa.text("SELECT count(*) FROM (SELECT id FROM gateway.outbox FOR UPDATE SKIP LOCKED) f")).scalar_one()
        conn.rollback()
    return total, total - free


def test_a_gateway_killed_mid_publish_loses_nothing_and_another_publishes_once(tmp_path, database, peers, queues):
    proxy = FreezableProxy((RABBITMQ_HOST, RABBITMQ_PORT))
    engine = sa.create_engine(database)
    common = {"DATABASE_URL": database, "DETECTION_URL": peers, "RECOGNITION_URL": peers, "IMAGESTORE_URL": peers,
              "OUTBOX_POLL_SECONDS": "0.2", **queues}
    first = second = None
    try:
        first = Gateway(tmp_path, "gateway-a", common | {"RABBITMQ_URL": f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F"})
        deadline = time.time() + 30
        while proxy.forwarded < 1000 and time.time() < deadline:   # its relay has connected and declared the queues
            time.sleep(0.1)
        time.sleep(1.0)
        proxy.frozen.set()                                         # the broker stops answering

        accepted = []
        for i in range(8):
            r = httpx.post(f"{first.url}/v1/ocr", files={"image": ("p.png", png(i), "image/png")}, timeout=30)
            assert r.status_code == 200, r.text                    # answers do not wait for the broker
            accepted.append(r.json()["request_id"])
        deadline = time.time() + 20
        while locked_outbox_rows(engine)[1] == 0 and time.time() < deadline:
            time.sleep(0.1)
        total, held = locked_outbox_rows(engine)
        assert total == 16 and held > 0, (total, held)              # mid-batch: rows claimed, not yet confirmed

        first.kill()                                               # SIGKILL: no clean-up of any kind
        second = Gateway(tmp_path, "gateway-b", common | {"RABBITMQ_URL": f"amqp://guest:guest@{RABBITMQ_HOST}:{RABBITMQ_PORT}/%2F"})
        images = deliveries(queues["IMAGE_QUEUE"], len(accepted))
        data = deliveries(queues["IMAGE_DATA_QUEUE"], len(accepted))
        assert set(images) == set(data) == set(accepted), (images, data)   # nothing lost
        assert set(images.values()) == set(data.values()) == {1}, (images, data)   # nothing twice
        assert locked_outbox_rows(engine) == (0, 0)
    finally:
        proxy.frozen.clear()
        proxy.close()
        for gw in (first, second):
            if gw is not None:
                gw.kill(signal.SIGTERM if gw is second else signal.SIGKILL)
        engine.dispose()

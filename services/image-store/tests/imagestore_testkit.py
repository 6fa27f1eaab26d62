"""Builders and helpers for the image-store tests (a module name no other test folder uses)."""
from __future__ import annotations

import io
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pika
from PIL import Image as PILImage
from sqlalchemy import Engine, text

from ocr_common.messages import (
    IMAGE_BODY_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    PERSISTENT,
    ImageDataMessage,
    ImageMessageHeaders,
    TextCorrectionMessage,
    amqp_headers,
    dead_letter_queue,
    declare_queue,
)

CREATED = datetime(2026, 3, 14, 23, 59, 30, tzinfo=UTC)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (24, 12), seed: int = 0) -> bytes:
    img = PILImage.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, 200))
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def data_message(request_id: str, created_at: datetime = CREATED, n_lines: int = 2, owner: str | None = "alice",
                 text_prefix: str = "line") -> ImageDataMessage:
    lines = [dict(index=i, points=[[2, 10 * i], [50, 10 * i], [50, 10 * i + 8], [2, 10 * i + 8]], start_x=2,
                  start_y=10 * i, width=48, height=8, text=f"{text_prefix} {i}", confidence=0.9 - i / 100)
             for i in range(n_lines)]
    return ImageDataMessage(request_id=request_id, created_at=created_at, width=64, height=10 * n_lines + 10,
                            text=" ".join(ln["text"] for ln in lines), lines=lines,
                            models=dict(detection="ctpn-test", recognition="crnn-test"), owner=owner)


def correction_message(request_id: str, created_at: datetime = CREATED, correction_id: str | None = None,
                       text: str | None = "corrected text", lines: list[dict] | None = None,
                       owner: str | None = "alice") -> TextCorrectionMessage:
    return TextCorrectionMessage(request_id=request_id, correction_id=correction_id or str(uuid.uuid4()),
                                 created_at=created_at, text=text,
                                 lines=[dict(index=0, text="line zero")] if lines is None else lines, owner=owner)


@dataclass
class Queues:
    image: str
    data: str
    correction: str

    def all(self) -> list[str]:
        names = [self.image, self.data, self.correction]
        return names + [dead_letter_queue(n) for n in names]


class Publisher:
    """Publishes like the gateway does: persistent messages, publisher confirms, request_id header."""

    def __init__(self, url: str, queues: Queues):
        self.queues = queues
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        for q in (queues.image, queues.data, queues.correction):
            declare_queue(self.channel, q)

    def raw(self, queue: str, body: bytes, headers: dict | None = None, content_type: str = JSON_CONTENT_TYPE) -> None:
        props = pika.BasicProperties(delivery_mode=PERSISTENT, content_type=content_type, headers=headers or {},
                                     timestamp=int(time.time()))
        self.channel.basic_publish(exchange="", routing_key=queue, body=body, properties=props, mandatory=True)

    def image(self, request_id: str, body: bytes, created_at: datetime = CREATED, **extra_headers) -> None:
        headers = ImageMessageHeaders(request_id=request_id, created_at=created_at, content_type="image/png",
                                      traceparent=f"00-{uuid.UUID(request_id).hex}-{'ab' * 8}-01").to_amqp()
        self.raw(self.queues.image, body, {**headers, **extra_headers}, IMAGE_BODY_CONTENT_TYPE)

    def data(self, msg: ImageDataMessage) -> None:
        self.raw(self.queues.data, msg.model_dump_json().encode(), amqp_headers(msg.request_id))

    def correction(self, msg: TextCorrectionMessage) -> None:
        self.raw(self.queues.correction, msg.model_dump_json().encode(), amqp_headers(msg.request_id))

    def depth(self, queue: str) -> int:
        """Ready messages in `queue` (not counting those delivered and not yet acked)."""
        return self.channel.queue_declare(queue=queue, passive=True).method.message_count

    def get(self, queue: str):
        return self.channel.basic_get(queue=queue, auto_ack=True)

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()



def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("image", "image_box", "text_correction")}


def scalar(engine: Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.scalar(text(sql), params)


def snapshot(engine: Engine, request_id: str, root: Path) -> dict:
    """The stored state of one request, without the values that may differ between runs (serial ids, receipt times)."""
    with engine.connect() as conn:
        image = conn.execute(text("SELECT * FROM image WHERE id = :id"), {"id": request_id}).mappings().one()
        boxes = conn.execute(text("SELECT * FROM image_box WHERE image_id = :id ORDER BY line_index"),
                             {"id": request_id}).mappings().all()
        corrections = conn.execute(text("SELECT * FROM text_correction WHERE image_id = :id ORDER BY line_index NULLS FIRST"),
                                   {"id": request_id}).mappings().all()
    drop = {"id", "image_id", "file_received_at", "data_received_at"}
    file_bytes = (root / image["path"]).read_bytes() if image["path"] else None
    return {
        "image": {k: v for k, v in image.items() if k not in drop},
        "boxes": [{k: v for k, v in b.items() if k not in drop} for b in boxes],
        "corrections": [{k: v for k, v in c.items() if k not in drop} for c in corrections],
        "file": file_bytes,
    }


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class TcpProxy:
    """A loopback TCP proxy to the broker whose connections the test can cut."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.accepted = 0
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self.sockets += [client, upstream]
                self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        """Drops every open connection, as a network failure or a broker restart would."""
        with self._lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._closed = True
        self.server.close()
        self.cut()

"""RabbitMQ consumer of imageQueue, imageDataQueue and textCorrectionQueue (pika, one connection).

Acknowledgement policy, per message:
- stored, or already stored (a duplicate or a redelivery): ack, after the database commit and,
  for an image, after the file is fsynced and renamed into place;
- a payload that can never be stored (not JSON, fails validation, no request_id, not an image):
  basic_reject(requeue=False), which RabbitMQ dead-letters to `<queue>.dlq`;
- a transient fault (database unreachable, disk error): wait (exponential backoff, capped at
  RETRY_BACKOFF_MAX) and nack with requeue, again and again until it succeeds;
- any other error: nacked with requeue once, dead-lettered if it fails again on the redelivery.
A lost broker connection is reopened with the same backoff; unacked messages come back from the broker.

Run it with `python -m ocr_imagestore.consumer`, or in-process with `ImageStoreConsumer(settings).start()`.
"""
from __future__ import annotations

import functools
import logging
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable

import pika
import pika.exceptions
from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from ocr_common.logging import configure_logging
from ocr_common.messages import dead_letter_queue, declare_queue
from ocr_common.tracing import setup_tracing, shutdown_tracing, span_from_headers

from .config import Settings, get_settings
from .db import make_engine, upgrade_database
from .handlers import Delivery, MessageStore, Outcome, RejectMessage

log = logging.getLogger(__name__)

TRANSIENT = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError, OSError)
PERMANENT = (sa_exc.DataError, sa_exc.IntegrityError)   # the payload breaks a constraint: retrying cannot help




class ImageStoreConsumer:
    """Consumes the three queues until stop(); run() blocks, start() runs it in a daemon thread."""

    def __init__(self, settings: Settings, engine: Engine | None = None, migrate: bool | None = None):
        self.settings = settings
        self._own_engine = engine is None
        self.engine = engine or make_engine(settings.DATABASE_URL, settings.DB_CONNECT_TIMEOUT)
        self.migrate = settings.MIGRATE_ON_START if migrate is None else migrate
        store = MessageStore(self.engine, settings.IMAGE_ROOT)
        self.handlers: dict[str, Callable[[Delivery], Outcome]] = {
            settings.IMAGE_QUEUE: store.store_image,
            settings.IMAGE_DATA_QUEUE: store.store_image_data,
            settings.TEXT_CORRECTION_QUEUE: store.store_text_correction,
        }
        self.ready = threading.Event()     # set while connected and consuming
        self.stats: Counter[str] = Counter()
        self._stop = threading.Event()
        self._pending: deque = deque()
        self._failures = 0
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------ lifecycle
    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="image-store-consumer", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stops after the message in hand; messages not yet acked go back to their queue."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """The consumer thread runs (connected or reconnecting); false once it has ended."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _backoff(self, attempt: int) -> float:
        s = self.settings
        return min(s.RETRY_BACKOFF_INITIAL * 2 ** max(attempt - 1, 0), s.RETRY_BACKOFF_MAX)

    def run(self) -> None:
        try:
            if self.migrate:
                self._migrate()
            attempt = 0
            while not self.stopped:
                connected = False
                try:
                    connection = self._connect()
                    connected = True
                    self._serve(connection)
                except pika.exceptions.AMQPError as exc:
                    if self.stopped:
                        break
                    log.warning("broker connection failed: %r", exc)
                except Exception:
                    if self.stopped:
                        break
                    log.exception("consumer error; reconnecting")
                attempt = 1 if connected else attempt + 1
                if not self.stopped:
                    delay = self._backoff(attempt)
                    log.info("reconnecting to the broker in %.1fs", delay)
                    self._stop.wait(delay)
        finally:
            self.ready.clear()
            if self._own_engine:
                self.engine.dispose()
            log.info("consumer stopped (%s)", dict(self.stats))

    def _migrate(self) -> None:
        attempt = 0
        while not self.stopped:
            try:
                upgrade_database(self.engine)
                return
            except TRANSIENT as exc:
                attempt += 1
                delay = self._backoff(attempt)
                log.warning("database not reachable for migrations (%s); retrying in %.1fs", type(exc).__name__, delay)
                self._stop.wait(delay)

    def _connect(self) -> pika.BlockingConnection:
        params = pika.URLParameters(self.settings.RABBITMQ_URL)
        params.client_properties = {"connection_name": self.settings.OTEL_SERVICE_NAME}
        return pika.BlockingConnection(params)

    # ------------------------------------------------------------------------------ consuming
    def _serve(self, connection: pika.BlockingConnection) -> None:
        try:
            channel = connection.channel()
            for queue in self.handlers:
                declare_queue(channel, queue, self.settings.DLQ_MAX_LENGTH, self.settings.DLQ_MAX_BYTES)
                # Per consumer (RabbitMQ applies a non-global prefetch to the consumers created after it): image
                # bodies are uploads of up to 20 MiB, so few of them are in memory at once; data messages are small.
                channel.basic_qos(prefetch_count=self.prefetch(queue))
                channel.basic_consume(queue=queue, on_message_callback=functools.partial(self._on_message, queue))
            self.ready.set()
            log.info("consuming %s (prefetch %s)", ", ".join(self.handlers), [self.prefetch(q) for q in self.handlers])
            while not self.stopped:
                if not self._pending:
                    connection.process_data_events(time_limit=0.2)
                while self._pending and not self.stopped:
                    self._handle(connection, channel, *self._pending.popleft())
                    connection.process_data_events(time_limit=0)   # heartbeats and new deliveries
        finally:
            self.ready.clear()
            self._pending.clear()      # unacked: the broker redelivers them
            try:
                if connection.is_open:
                    connection.close()
            except Exception:  # already broken
                pass

    def prefetch(self, queue: str) -> int:
        s = self.settings
        return s.IMAGE_PREFETCH if queue == s.IMAGE_QUEUE else s.PREFETCH

    def _on_message(self, queue, channel, method, properties, body) -> None:
        # Called from inside process_data_events: only queue the delivery; _serve handles it outside.
        self._pending.append((queue, method, properties, body))

    def _handle(self, connection, channel, queue, method, properties, body) -> None:
        d = Delivery(body=body, headers=properties.headers or {}, timestamp=properties.timestamp,
                     redelivered=bool(method.redelivered))
        # The span continues the publisher's trace (traceparent header); logs inside it carry its trace_id.
        with span_from_headers(f"{queue} process", d.headers, **{
                "messaging.system": "rabbitmq", "messaging.destination.name": queue,
                "messaging.rabbitmq.redelivered": d.redelivered, "ocrmesh.request_id": d.request_id or ""}):
            self._dispatch(connection, channel, queue, method, d)

    def _dispatch(self, connection, channel, queue: str, method, d: Delivery) -> None:
        extra = {"request_id": d.request_id}
        try:
            outcome = self.handlers[queue](d)
        except RejectMessage as exc:
            self._reject(channel, method, queue, f"rejected: {exc}", extra)
        except PERMANENT as exc:
            self._reject(channel, method, queue, f"cannot be stored: {type(exc).__name__}: {exc.orig}", extra)
        except TRANSIENT as exc:
            self._retry_later(connection, channel, method, queue, exc, extra)
        except Exception as exc:
            if d.redelivered:
                log.exception("%s: failed again on redelivery", queue, extra=extra)
                self._reject(channel, method, queue, f"failed twice: {exc!r}", extra)
            else:
                log.exception("%s: unexpected error; requeued once", queue, extra=extra)
                self._retry_later(connection, channel, method, queue, exc, extra)
        else:
            # Logged once committed, before the ack: an ack lost with the broker must not lose the fact that it was
            # stored (the redelivery is then a duplicate). queue and outcome go into the JSON log line: tests count
            # deliveries by them, one "stored" per message.
            extra.update(request_id=outcome.request_id, queue=queue, outcome="stored" if outcome.stored else "duplicate")
            self.stats["stored" if outcome.stored else "duplicate"] += 1
            log.info("%s: %s %s", queue, "stored" if outcome.stored else "already stored", outcome.detail, extra=extra)
            channel.basic_ack(delivery_tag=method.delivery_tag)
            self._failures = 0

    def _reject(self, channel, method, queue: str, why: str, extra: dict) -> None:
        channel.basic_reject(delivery_tag=method.delivery_tag, requeue=False)
        self.stats["dead_lettered"] += 1
        log.warning("%s: %s; dead-lettered to %s", queue, why, dead_letter_queue(queue), extra=extra)

    def _retry_later(self, connection, channel, method, queue: str, exc: BaseException, extra: dict) -> None:
        self._failures += 1
        delay = self._backoff(self._failures)
        self.stats["retried"] += 1
        log.warning("%s: transient failure (%s: %s); requeued, next try in %.1fs", queue, type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else "", delay, extra=extra)
        deadline = time.monotonic() + delay
        while not self.stopped and (left := deadline - time.monotonic()) > 0:
            connection.process_data_events(time_limit=min(left, 0.2))
        channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    configure_logging(settings.OTEL_SERVICE_NAME, settings.LOG_LEVEL)
    logging.getLogger("pika").setLevel(logging.WARNING)
    setup_tracing(settings.OTEL_SERVICE_NAME)
    consumer = ImageStoreConsumer(settings)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: consumer.stop(timeout=0))
    try:
        consumer.run()
    finally:
        shutdown_tracing()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Drains the shared outbox into RabbitMQ from one background thread per replica, with publisher confirms.

Every replica runs one; they share the work through the outbox's `FOR UPDATE SKIP LOCKED` batches.
An idle relay polls the outbox every second (and wakes at once for rows its own replica added).
"""
from __future__ import annotations

import logging
import threading
import time

import pika
from opentelemetry.trace import SpanKind
from pika.exceptions import AMQPError
from sqlalchemy.exc import DBAPIError

from ocr_common.messages import DLQ_MAX_BYTES, DLQ_MAX_LENGTH, PERSISTENT, declare_queue
from ocr_common.tracing import inject_headers, span_from_headers

from .outbox import Outbox, OutboxMessage

log = logging.getLogger(__name__)
AMQP_PRIORITY = {0: 0, 1: 5}   # outbox priority -> AMQP message priority


class OutboxPublisher:
    """Owns the only AMQP connection of the gateway (pika connections are not thread-safe)."""

    def __init__(self, outbox: Outbox, url: str, queues: list[str], max_backoff: float = 5.0,
                 poll_interval: float = 1.0, dlq_limits: tuple[int | None, int | None] = (DLQ_MAX_LENGTH, DLQ_MAX_BYTES)):
        self.outbox, self.url, self.queues, self.dlq_limits = outbox, url, queues, dlq_limits
        self.max_backoff, self.poll_interval = max_backoff, poll_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-publisher", daemon=True)
        self._conn: pika.BlockingConnection | None = None
        self._channel = None
        self.connected = False

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.outbox.added.set()
        self._thread.join(timeout)

    def _connect(self) -> None:
        params = pika.URLParameters(self.url)
        params.heartbeat = 30
        params.blocked_connection_timeout = 30
        params.connection_attempts = 1
        params.socket_timeout = 5
        self._conn = pika.BlockingConnection(params)
        self._channel = self._conn.channel()
        self._channel.confirm_delivery()
        for queue in self.queues:
            declare_queue(self._channel, queue, *self.dlq_limits)
        self.connected = True
        log.info("connected to RabbitMQ")

    def _disconnect(self) -> None:
        self.connected = False
        try:
            if self._conn is not None and self._conn.is_open:
                self._conn.close()
        except Exception:  # the connection is already broken; nothing to close cleanly
            pass
        self._conn = self._channel = None

    def _send(self, msg: OutboxMessage) -> None:
        # The publish span continues the request's trace (its traceparent was stored with the row)
        # and the message carries the publish span on to the consumer.
        with span_from_headers(f"{msg.queue} publish", msg.headers, kind=SpanKind.PRODUCER,
                               **{"messaging.system": "rabbitmq", "messaging.destination.name": msg.queue}):
            headers = inject_headers(msg.headers) if "traceparent" in msg.headers else msg.headers
            # `priority` takes effect on queues declared with x-max-priority; others ignore it.
            props = pika.BasicProperties(content_type=msg.content_type, delivery_mode=PERSISTENT,
                                         headers=headers, message_id=str(msg.headers.get("request_id", "")),
                                         priority=AMQP_PRIORITY.get(msg.priority, 0))
            # With confirms on, basic_publish returns only after the broker has the message
            # (persisted, for a durable queue) and raises if the broker refused it.
            self._channel.basic_publish(exchange="", routing_key=msg.queue, body=msg.body, properties=props,
                                        mandatory=True)

    def _publish_pending(self) -> int:
        """Publishes batches until the outbox has none left that another replica does not hold."""
        sent = 0
        while not self._stop.is_set():
            n = self.outbox.publish_batch(self._send)
            if n == 0:
                break
            sent += n
        return sent

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                if self._conn is None or not self._conn.is_open:
                    self._connect()
                self.outbox.added.clear()
                if self._publish_pending() == 0:
                    # Idle: keep the connection's heartbeats going while waiting for new rows (this
                    # replica's wake us at once; other replicas' are found by the next poll).
                    deadline = time.monotonic() + self.poll_interval
                    while not self.outbox.added.is_set() and time.monotonic() < deadline and not self._stop.is_set():
                        self._conn.process_data_events(time_limit=0.1)
                backoff = 0.2
            except DBAPIError as exc:
                log.warning("database unavailable (%s); the outbox waits", exc.__class__.__name__)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            except (AMQPError, OSError) as exc:
                log.warning("RabbitMQ unavailable (%s); messages wait in the outbox", exc.__class__.__name__)
                self._disconnect()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            except Exception:
                log.exception("outbox publisher error")
                self._disconnect()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
        self._disconnect()

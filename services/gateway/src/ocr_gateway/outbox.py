"""The durable outbox, shared by every gateway replica: messages wait in PostgreSQL until RabbitMQ has
confirmed them.

The request path only inserts rows (one transaction per request: the image and its data, or a
correction). The relay (publisher.py) runs in every replica and takes batches with
`SELECT … FOR UPDATE SKIP LOCKED`: replicas never publish the same row at once, and the rows of a
replica that dies are unlocked as soon as PostgreSQL sees its connection close, so another replica
publishes them. A batch is bounded in rows and in bytes (`size` is stored beside the body, so the
claim reads no body); only the batch's bodies are loaded. A row is deleted, in the batch's
transaction, after the broker confirmed it: delivery is at least once (a replica killed between a
confirm and its commit leaves rows another replica publishes again), and the image-store's writes are
idempotent on request_id / correction_id.

Rows carry a priority (0 normal, 1 high): a backlog drains high-priority rows first, then by age.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from .db import outbox as table


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    queue: str
    body: bytes
    content_type: str
    headers: dict
    priority: int = 0


class Outbox:
    def __init__(self, engine: Engine, batch_rows: int = 100, batch_bytes: int = 8 * 1024 * 1024):
        self.engine, self.batch_rows, self.batch_bytes = engine, batch_rows, batch_bytes
        self.added = threading.Event()   # wakes this replica's relay; the others poll

    def add(self, queue: str, body: bytes, content_type: str, headers: dict, priority: int = 0) -> int:
        return self.add_many([(queue, body, content_type, headers)], priority)[0]

    def add_many(self, messages: list[tuple[str, bytes, str, dict]], priority: int = 0) -> list[int]:
        """Adds several messages in one transaction: all of them or none."""
        rows = [{"queue": q, "body": b, "size": len(b), "content_type": ct, "headers": h, "priority": priority}
                for q, b, ct, h in messages]
        with self.engine.begin() as conn:
            ids = [conn.execute(sa.insert(table).values(row).returning(table.c.id)).scalar_one() for row in rows]
        self.added.set()
        return ids

    def publish_batch(self, send: Callable[[OutboxMessage], None]) -> int:
        """Claims the next batch no other replica holds, calls `send` on each message in order and deletes
        the ones it returned from. If `send` raises, the messages sent before it are still deleted and the
        error is raised; the rest stay for the next try. Returns how many were sent."""
        head = [table.c.id, table.c.queue, table.c.size, table.c.content_type, table.c.headers, table.c.priority]
        sent: list[int] = []
        error: BaseException | None = None
        with self.engine.begin() as conn:
            claimed = conn.execute(sa.select(*head).order_by(table.c.priority.desc(), table.c.id)
                                   .limit(self.batch_rows).with_for_update(skip_locked=True)).all()
            batch, total = [], 0
            for row in claimed:   # a prefix within batch_bytes, and at least one row however large
                if batch and total + row.size > self.batch_bytes:
                    break
                batch.append(row)
                total += row.size
            if not batch:
                return 0
            bodies = dict(conn.execute(sa.select(table.c.id, table.c.body)
                                       .where(table.c.id.in_([r.id for r in batch]))).all())
            for row in batch:
                try:
                    send(OutboxMessage(row.id, row.queue, bytes(bodies.pop(row.id)), row.content_type, row.headers,
                                       row.priority))
                except Exception as exc:
                    error = exc
                    break
                sent.append(row.id)
            if sent:
                conn.execute(sa.delete(table).where(table.c.id.in_(sent)))
        if error is not None:
            raise error
        return len(sent)

    def oldest(self, limit: int = 50) -> list[OutboxMessage]:
        """The next rows to publish, high priority first, then by age (for tests and inspection)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.id, table.c.queue, table.c.body, table.c.content_type,
                                          table.c.headers, table.c.priority)
                                .order_by(table.c.priority.desc(), table.c.id).limit(limit)).all()
        return [OutboxMessage(r.id, r.queue, bytes(r.body), r.content_type, r.headers, r.priority) for r in rows]

    def remove(self, message_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.id == message_id))

    def pending(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

    def backlog(self) -> tuple[int, int]:
        """(rows, bytes) waiting for the broker."""
        with self.engine.connect() as conn:
            rows, size = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.size), 0))
                                      .select_from(table)).one()
        return int(rows), int(size)

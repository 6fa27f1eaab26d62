"""A durable local outbox: messages wait in SQLite until RabbitMQ has confirmed them.

The request path only appends a row (a local, fsynced write); a background thread publishes the
rows in order with publisher confirms and deletes each row once the broker has confirmed it. If
the broker is down the rows stay, and the thread keeps retrying: an outage delays, never drops.

Rows carry a priority (0 normal, 1 high): a backlog drains high-priority rows first, then the rest,
each in the order they were added.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    body BLOB NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    created_at REAL NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    queue: str
    body: bytes
    content_type: str
    headers: dict
    priority: int = 0


class Outbox:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a row that was added survives a power cut
        self._conn.execute(_SCHEMA)
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(outbox)")}
        if "priority" not in columns:  # an outbox written before priorities existed
            self._conn.execute("ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
        self._conn.execute("CREATE INDEX IF NOT EXISTS outbox_lane ON outbox (priority DESC, id)")
        self._lock = threading.Lock()
        self.added = threading.Event()

    _INSERT = "INSERT INTO outbox (queue, body, content_type, headers, created_at, priority) VALUES (?, ?, ?, ?, ?, ?)"

    def add(self, queue: str, body: bytes, content_type: str, headers: dict, priority: int = 0) -> int:
        return self.add_many([(queue, body, content_type, headers)], priority)[0]

    def add_many(self, messages: list[tuple[str, bytes, str, dict]], priority: int = 0) -> list[int]:
        """Adds several messages in one transaction (one fsync): all of them or none."""
        now = time.time()
        ids = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for queue, body, content_type, headers in messages:
                    cur = self._conn.execute(self._INSERT, (queue, body, content_type, json.dumps(headers), now, priority))
                    ids.append(int(cur.lastrowid))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        self.added.set()
        return ids

    def oldest(self, limit: int = 50) -> list[OutboxMessage]:
        """The next rows to publish: high priority first, then by age."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, queue, body, content_type, headers, priority FROM outbox ORDER BY priority DESC, id LIMIT ?",
                (limit,)).fetchall()
        return [OutboxMessage(r[0], r[1], bytes(r[2]), r[3], json.loads(r[4]), r[5]) for r in rows]

    def remove(self, message_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM outbox WHERE id = ?", (message_id,))

    def pending(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

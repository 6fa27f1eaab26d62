"""A durable local outbox: messages wait in SQLite until RabbitMQ has confirmed them.

The request path only appends a row (a local, fsynced write); a background thread publishes the
rows in order with publisher confirms and deletes each row once the broker has confirmed it. If
the broker is down the rows stay, and the thread keeps retrying: an outage delays, never drops.
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
    created_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    queue: str
    body: bytes
    content_type: str
    headers: dict


class Outbox:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a row that was added survives a power cut
        self._conn.execute(_SCHEMA)
        self._lock = threading.Lock()
        self.added = threading.Event()

    def add(self, queue: str, body: bytes, content_type: str, headers: dict) -> int:
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO outbox (queue, body, content_type, headers, created_at) VALUES (?, ?, ?, ?, ?)",
                (queue, body, content_type, json.dumps(headers), time.time()),
            )
        self.added.set()
        return int(cur.lastrowid)

    def oldest(self, limit: int = 50) -> list[OutboxMessage]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, queue, body, content_type, headers FROM outbox ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
        return [OutboxMessage(r[0], r[1], bytes(r[2]), r[3], json.loads(r[4])) for r in rows]

    def remove(self, message_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM outbox WHERE id = ?", (message_id,))

    def pending(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

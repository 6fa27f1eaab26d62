"""The gateway's upload ledger (SQLite, fsynced, next to the outbox): daily quotas and fresh ownership.

One row per upload of a known owner: `(request_id, owner, day)`. It serves two purposes:

- **Daily quota.** A request first *reserves* a row; the reservation succeeds only while the owner has
  fewer than their quota rows for the UTC day (reservations in flight included, so concurrent
  requests cannot overshoot). A request that fails releases its row: only answered images count.
  The count survives restarts (it is on disk, like the outbox).
- **Ownership before the image-store has the result.** A correction right after an upload can be
  checked against the ledger instead of racing the queue to the image-store.

Rows older than `keep_days` are pruned.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS upload (
    request_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    day TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS upload_owner_day ON upload (owner, day);
"""


def utc_day(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d")


def seconds_to_midnight(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()) + 1)


class UsageLedger:
    def __init__(self, path: Path, keep_days: int = 8):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self.keep_days = keep_days
        self._conn.execute("DELETE FROM upload WHERE done = 0")   # reservations of requests a crash ended
        self.prune()

    def reserve(self, request_id: str, owner: str, quota: int) -> bool:
        """Counts one image against `owner`'s quota for today; False (nothing written) if it is used up.
        `quota` 0 means no quota: the row is still written, for ownership."""
        day = utc_day()
        with self._lock:
            if quota <= 0:
                cur = self._conn.execute("INSERT INTO upload (request_id, owner, day, created_at) VALUES (?, ?, ?, ?)",
                                         (request_id, owner, day, time.time()))
            else:
                cur = self._conn.execute(
                    "INSERT INTO upload (request_id, owner, day, created_at) SELECT ?, ?, ?, ? "
                    "WHERE (SELECT count(*) FROM upload WHERE owner = ? AND day = ?) < ?",
                    (request_id, owner, day, time.time(), owner, day, quota))
        return cur.rowcount == 1

    def complete(self, request_id: str) -> None:
        with self._lock:
            self._conn.execute("UPDATE upload SET done = 1 WHERE request_id = ?", (request_id,))

    def release(self, request_id: str) -> None:
        """The request failed: it does not count."""
        with self._lock:
            self._conn.execute("DELETE FROM upload WHERE request_id = ? AND done = 0", (request_id,))

    def used_today(self, owner: str) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM upload WHERE owner = ? AND day = ?",
                                          (owner, utc_day())).fetchone()[0])

    def owner_of(self, request_id: str) -> str | None:
        """The owner of a completed upload still in the ledger, else None (unknown here)."""
        with self._lock:
            row = self._conn.execute("SELECT owner FROM upload WHERE request_id = ? AND done = 1", (request_id,)).fetchone()
        return row[0] if row else None

    def prune(self) -> int:
        cutoff = time.time() - self.keep_days * 86400
        with self._lock:
            return self._conn.execute("DELETE FROM upload WHERE created_at < ?", (cutoff,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()

"""The gateway's upload ledger, shared by every replica (table gateway.upload): daily quotas and fresh ownership.

One row per upload: `(request_id, owner, day)`. It serves two purposes:

- **Daily quota.** A request first *reserves* a row; the reservation succeeds only while the owner has
  fewer than their quota rows for the UTC day (reservations in flight included). Reservations of one
  owner are serialised by a transaction-scoped advisory lock on the owner, so concurrent requests on
  any number of replicas cannot overshoot. A request that fails releases its row: only answered images
  count. A reservation whose replica died before completing it stops counting after `stale_minutes`.
- **Ownership before the image-store has the result.** A correction right after an upload can be
  checked against the ledger instead of racing the queue to the image-store.

Rows older than `keep_days` are pruned.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine

from .db import upload as table


def utc_day(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).date()


def seconds_to_midnight(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()) + 1)


class UsageLedger:
    def __init__(self, engine: Engine, keep_days: int = 8, stale_minutes: int = 15):
        self.engine, self.keep_days, self.stale_minutes = engine, keep_days, stale_minutes

    def _counted(self, owner: str, day: date):
        """The rows that count against `owner`'s quota on `day`: answered ones and live reservations."""
        live = sa.func.now() - timedelta(minutes=self.stale_minutes)
        return (sa.select(sa.func.count()).select_from(table)
                .where(table.c.owner == owner, table.c.day == day, sa.or_(table.c.done, table.c.created_at > live)))

    def reserve(self, request_id: str, owner: str, quota: int) -> bool:
        """Counts one image against `owner`'s quota for today; False (nothing written) if it is used up.
        `quota` 0 means no quota: the row is still written, for ownership."""
        day = utc_day()
        with self.engine.begin() as conn:
            if quota > 0:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(f"quota:{owner}", 0))))
                if conn.execute(self._counted(owner, day)).scalar_one() >= quota:
                    return False
            conn.execute(sa.insert(table).values(request_id=request_id, owner=owner, day=day))
        return True

    def complete(self, request_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.request_id == request_id).values(done=True))

    def release(self, request_id: str) -> None:
        """The request failed: it does not count."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.request_id == request_id, ~table.c.done))

    def used_today(self, owner: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(self._counted(owner, utc_day())).scalar_one()

    def owner_of(self, request_id: str) -> str | None:
        """The owner of a completed upload still in the ledger, else None (unknown here)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(table.c.owner).where(table.c.request_id == request_id, table.c.done)).scalar()

    def prune(self) -> int:
        """Drops rows past `keep_days` and reservations of requests that never finished."""
        old = sa.func.now() - timedelta(days=self.keep_days)
        stale = sa.func.now() - timedelta(minutes=self.stale_minutes)
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(table).where(sa.or_(table.c.created_at < old,
                                                              sa.and_(~table.c.done, table.c.created_at < stale)))).rowcount

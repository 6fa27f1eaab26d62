"""Per-owner rate limit, shared by every gateway replica: a token bucket per owner in PostgreSQL.

Each owner (JWT subject or API key owner) has a bucket of `burst` tokens that refills at `rate` per
minute; a request takes one token or is refused with 429 and a Retry-After of the seconds until the
next token. A key created with its own rate gets at most one minute's worth of burst.

Why shared state and not per-replica limits the chart divides: the gateway scales with an HPA, so the
number of replicas changes at run time and a divided limit would be wrong after every scale-out, and a
load balancer does not spread one owner's requests evenly. One `INSERT … ON CONFLICT DO UPDATE` per
request refills and takes a token atomically under the row's lock, with the database's clock (replicas'
clocks do not matter); it costs one round trip to PostgreSQL, which the request path already makes for
the quota. Buckets idle for an hour are pruned.
"""
from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Engine

from .db import rate_bucket as table

# The bucket's level now: what it held, refilled for the time since, at most its capacity.
_LEVEL = "LEAST(:capacity, b.tokens + EXTRACT(EPOCH FROM statement_timestamp() - b.stamp) * :rate)"
_TAKE = sa.text(f"""
INSERT INTO gateway.rate_bucket AS b (key, tokens, stamp, granted)
VALUES (:key, :capacity - 1, statement_timestamp(), true)
ON CONFLICT (key) DO UPDATE SET
    granted = {_LEVEL} >= 1,
    tokens = {_LEVEL} - CASE WHEN {_LEVEL} >= 1 THEN 1 ELSE 0 END,
    stamp = statement_timestamp()
RETURNING granted, tokens
""")


class RateLimiter:
    def __init__(self, engine: Engine, per_minute: float, burst: int):
        self.engine, self.per_minute, self.burst = engine, per_minute, burst

    def take(self, key: str, per_minute: float | None = None, burst: int | None = None) -> float:
        """0.0 if the request may go; else the seconds to wait for the next token (nothing is taken)."""
        own = per_minute is not None
        per_minute = per_minute if own else self.per_minute
        rate = per_minute / 60.0
        if rate <= 0:
            return 0.0
        capacity = float(burst or self.burst)
        if own:   # a key's own rate also caps its burst at one minute's worth
            capacity = min(capacity, max(1.0, math.ceil(per_minute)))
        with self.engine.begin() as conn:
            granted, tokens = conn.execute(_TAKE, {"key": key, "capacity": capacity, "rate": rate}).one()
        return 0.0 if granted else (1.0 - tokens) / rate

    def prune(self, idle: timedelta = timedelta(hours=1)) -> int:
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(table).where(table.c.stamp < sa.func.now() - idle)).rowcount


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))

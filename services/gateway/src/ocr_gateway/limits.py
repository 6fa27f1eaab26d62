"""Per-owner rate limit: a token bucket in this process's memory.

Each owner (JWT subject or API key owner) has a bucket of `burst` tokens that refills at `rate` per
minute; a request takes one token or is refused with 429 and a Retry-After of the seconds until the
next token. A key created with its own rate gets at most one minute's worth of burst. The buckets live in one gateway process: with N gateway processes an owner gets up to N
times the rate (the gateway runs as one replica because of its outbox). Idle buckets (full again)
are forgotten, so the memory used is bounded by the owners active in the last burst/rate minutes.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    rate: float        # tokens per second
    capacity: float

    def refill(self, now: float) -> float:
        return min(self.capacity, self.tokens + (now - self.stamp) * self.rate)


class RateLimiter:
    def __init__(self, per_minute: float, burst: int, clock=time.monotonic):
        self.per_minute, self.burst, self.clock = per_minute, burst, clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def take(self, key: str, per_minute: float | None = None, burst: int | None = None) -> float:
        """0.0 if the request may go; else the seconds to wait for the next token (nothing is taken)."""
        rate = (self.per_minute if per_minute is None else per_minute) / 60.0
        if rate <= 0:
            return 0.0
        capacity = float(burst or self.burst)
        if per_minute is not None:   # a key's own rate also caps its burst at one minute's worth
            capacity = min(capacity, max(1.0, math.ceil(per_minute)))
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(capacity, now, rate, capacity)
            bucket.rate, bucket.capacity = rate, capacity
            bucket.tokens, bucket.stamp = bucket.refill(now), now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - bucket.tokens) / rate
            if now - self._last_sweep > 60:
                self._last_sweep = now
                for k in [k for k, b in self._buckets.items() if b.refill(now) >= b.capacity]:
                    del self._buckets[k]
        return wait


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))

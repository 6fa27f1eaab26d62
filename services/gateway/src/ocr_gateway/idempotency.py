"""`Idempotency-Key` on POST /v1/ocr: a client that retries (after a timeout, a dropped connection)
with the same key gets the first answer instead of a second upload being read and stored.

Keys are per owner (the JWT subject or API key owner; with authentication off every caller is the
same anonymous owner, so use unique keys such as UUIDs) and live in gateway.idempotency_key, shared by
every replica, for IDEMPOTENCY_TTL_HOURS. For one (owner, key):

- the first request claims the key and runs; a 200 answer is stored with it, and a failure frees the
  key (a retry runs again: nothing was stored);
- a retry with the same upload gets the stored answer (header `Idempotent-Replayed: true`), without
  counting against the quota again;
- a retry while the first still runs answers 409 `idempotency_key_in_use` with Retry-After; if the
  replica that ran it died, the key is free again once the request's deadline has passed;
- the same key with a different upload answers 422 `idempotency_key_reused`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert
from starlette.concurrency import run_in_threadpool

from ocr_common.errors import ApiError

from .db import idempotency_key as table
from .deadline import held
from .security import Caller

MAX_KEY_LENGTH = 255

IdempotencyKey = Annotated[str | None, Header(
    max_length=MAX_KEY_LENGTH, pattern="^[\x21-\x7e]+$",
    description="makes a retry safe: the same key (per caller) with the same upload answers the first result again")]


@dataclass(frozen=True)
class Claim:
    state: str                   # "new" (run it), "done" (replay `response`), "running", "mismatch"
    response: dict | None = None


class IdempotencyStore:
    def __init__(self, engine: Engine, ttl: timedelta = timedelta(hours=24), running_for: timedelta = timedelta(minutes=2)):
        self.engine, self.ttl, self.running_for = engine, ttl, running_for

    def claim(self, owner: str, key: str, fingerprint: str) -> Claim:
        now, fresh = sa.func.now(), sa.func.now() - self.ttl
        where = (table.c.owner == owner) & (table.c.key == key)
        with self.engine.begin() as conn:
            # Expired keys (past the TTL) and requests whose replica died (past their deadline) are free.
            conn.execute(sa.delete(table).where(where, sa.or_(
                table.c.created_at < fresh, sa.and_(table.c.response.is_(None), table.c.locked_until < now))))
            taken = conn.execute(insert(table).values(owner=owner, key=key, fingerprint=fingerprint,
                                                      locked_until=now + self.running_for)
                                 .on_conflict_do_nothing().returning(table.c.key)).first()
            if taken:
                return Claim("new")
            row = conn.execute(sa.select(table.c.fingerprint, table.c.response).where(where)).first()
        if row is None:              # freed in between by its own request's failure: try once more
            return self.claim(owner, key, fingerprint)
        if row.fingerprint != fingerprint:
            return Claim("mismatch")
        return Claim("done", row.response) if row.response is not None else Claim("running")

    def finish(self, owner: str, key: str, response: dict) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.owner == owner, table.c.key == key).values(response=response))

    def release(self, owner: str, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.owner == owner, table.c.key == key, table.c.response.is_(None)))

    def prune(self) -> int:
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(table).where(table.c.created_at < sa.func.now() - self.ttl)).rowcount


async def once(request: Request, caller: Caller, key: str | None, upload: bytes,
               run: Callable[[], Awaitable[BaseModel]]) -> BaseModel | JSONResponse:
    """Runs `run` at most once per (caller, key) and upload; without a key, simply runs it."""
    if key is None:
        return await run()
    store: IdempotencyStore = request.app.state.services.idempotency
    owner, fingerprint = caller.principal.limit_key, hashlib.sha256(upload).hexdigest()
    async with held(lambda: store.claim(owner, key, fingerprint),
                    lambda claim: store.release(owner, key) if claim.state == "new" else None) as claim:
        if claim.state == "done":
            return JSONResponse(claim.response, headers={"Idempotent-Replayed": "true"})
        if claim.state == "running":
            raise ApiError(409, "idempotency_key_in_use", "a request with this Idempotency-Key is still running; retry",
                           headers={"Retry-After": "2"})
        if claim.state == "mismatch":
            raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with another upload")
        result = await run()
    await run_in_threadpool(store.finish, owner, key, result.model_dump(mode="json"))
    return result

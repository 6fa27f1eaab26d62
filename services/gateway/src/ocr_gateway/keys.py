"""API keys for machine clients, kept hashed in the gateway's table gateway.api_key (PostgreSQL).

A key is `ocm_<key id>_<secret>`: the key id (12 hex digits) is public and names the key in lists
and logs; the secret is 32 random bytes (256 bits, URL-safe base64). Only the SHA-256 of the whole
key is stored. A slow password hash (bcrypt, scrypt) protects low-entropy passwords; a 256-bit
random key cannot be guessed from its hash, and SHA-256 keeps the check on every request cheap.

Every gateway replica reads the same table, so a key works on all of them at once, and a revocation
takes effect everywhere within API_KEY_CACHE_SECONDS. The commands work from anywhere that reaches
the database (DATABASE_URL, the gateway's):

    ocrmesh keys create --owner alice [--name ci] [--high-priority] [--daily-quota N] [--rate-per-minute N]
    ocrmesh keys list
    ocrmesh keys revoke <key id>

Inside the gateway's container: `python -m ocr_gateway.keys ...`.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import ProgrammingError

from .db import api_key as table
from .db import make_engine

KEY_PREFIX = "ocm"
_KEY = re.compile(r"^ocm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    owner: str
    name: str = ""
    high_priority: bool = False
    daily_quota: int | None = None         # None: the gateway's DAILY_QUOTA
    rate_per_minute: float | None = None   # None: the gateway's RATE_LIMIT_PER_MINUTE
    created_at: float = 0.0                # seconds since the epoch
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def public(self) -> dict:
        """Everything but the hash: what `keys list` prints."""
        return asdict(self) | {"active": self.active}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(value: str) -> bool:
    return value.startswith(f"{KEY_PREFIX}_")


class ApiKeyStore:
    """The key table; every call is one short transaction, so a revocation is seen by the next lookup."""

    _COLUMNS = (table.c.key_id, table.c.owner, table.c.name, table.c.high_priority, table.c.daily_quota,
                table.c.rate_per_minute, table.c.created_at, table.c.revoked_at)

    def __init__(self, engine: Engine):
        self.engine = engine

    @staticmethod
    def _row(r) -> ApiKey:
        return ApiKey(key_id=r.key_id, owner=r.owner, name=r.name, high_priority=r.high_priority,
                      daily_quota=r.daily_quota, rate_per_minute=r.rate_per_minute, created_at=r.created_at.timestamp(),
                      revoked_at=r.revoked_at.timestamp() if r.revoked_at else None)

    def create(self, owner: str, name: str = "", high_priority: bool = False, daily_quota: int | None = None,
               rate_per_minute: float | None = None) -> tuple[ApiKey, str]:
        """Adds a key; returns it and its plaintext, which is shown once and never stored."""
        owner = owner.strip()
        if not owner or len(owner) > 255 or any(ord(c) < 32 for c in owner):
            raise ValueError("owner must be 1-255 printable characters")
        if "\x00" in name:
            raise ValueError("name must not contain NUL")
        if daily_quota is not None and daily_quota < 0:
            raise ValueError("daily quota must be >= 0")
        if rate_per_minute is not None and rate_per_minute <= 0:
            raise ValueError("rate per minute must be > 0")
        key_id = secrets.token_hex(6)
        plaintext = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        with self.engine.begin() as conn:
            row = conn.execute(sa.insert(table).values(
                key_id=key_id, key_hash=hash_key(plaintext), owner=owner, name=name, high_priority=high_priority,
                daily_quota=daily_quota, rate_per_minute=rate_per_minute, created_at=datetime.now(UTC),
            ).returning(*self._COLUMNS)).one()
        return self._row(row), plaintext

    def list(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*self._COLUMNS).order_by(table.c.created_at)).all()
        return [self._row(r) for r in rows]

    def revoke(self, key_id: str) -> bool:
        """True if an active key was revoked now."""
        with self.engine.begin() as conn:
            done = conn.execute(sa.update(table).where(table.c.key_id == key_id, table.c.revoked_at.is_(None))
                                .values(revoked_at=datetime.now(UTC)))
        return done.rowcount == 1

    def verify(self, plaintext: str) -> ApiKey | None:
        """The active key this plaintext is, or None (unknown, malformed, wrong secret or revoked)."""
        m = _KEY.match(plaintext)
        if not m:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*self._COLUMNS, table.c.key_hash).where(table.c.key_id == m.group(1))).first()
        if row is None or not hmac.compare_digest(row.key_hash, hash_key(plaintext)):
            return None
        key = self._row(row)
        return key if key.active else None


# --- command line (also `ocrmesh keys`) --------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", default=None,
                   help="the gateway's database (default: $DATABASE_URL), e.g. postgresql+psycopg2://user@host:5432/ocrmesh")
    sub = p.add_subparsers(dest="action", required=True)
    c = sub.add_parser("create", help="create a key; its plaintext is printed once")
    c.add_argument("--owner", required=True, help="whose results the key's uploads become (like a JWT subject)")
    c.add_argument("--name", default="", help="a label, e.g. the machine or job using the key")
    c.add_argument("--high-priority", action="store_true", help="the key may ask for priority=high")
    c.add_argument("--daily-quota", type=int, default=None, help="images per UTC day (default: the gateway's)")
    c.add_argument("--rate-per-minute", type=float, default=None, help="requests per minute (default: the gateway's)")
    sub.add_parser("list", help="list keys (never their secrets), one JSON object per line")
    r = sub.add_parser("revoke", help="revoke a key by its id")
    r.add_argument("key_id")


def run(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        print("error: set DATABASE_URL or --database-url to the gateway's database", file=sys.stderr)
        return 2
    engine = make_engine(url, pool_size=1)
    try:
        return _run(ApiKeyStore(engine), args)
    except ProgrammingError as exc:
        if "gateway.api_key" not in str(exc):
            raise
        print("error: this database has no gateway tables yet: start the gateway once (it migrates its schema)",
              file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _run(store: ApiKeyStore, args: argparse.Namespace) -> int:
    if args.action == "create":
        key, plaintext = store.create(args.owner, args.name, args.high_priority, args.daily_quota, args.rate_per_minute)
        print(json.dumps(key.public() | {"key": plaintext}))
        print("Store the key now: it is not shown again.", file=sys.stderr)
    elif args.action == "list":
        for key in store.list():
            print(json.dumps(key.public()))
    else:
        if not store.revoke(args.key_id):
            print(f"no active key {args.key_id}", file=sys.stderr)
            return 1
        print(json.dumps({"key_id": args.key_id, "revoked": True}))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ocr_gateway.keys", description="Create, list and revoke API keys.")
    add_arguments(p)
    try:
        return run(p.parse_args(argv))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

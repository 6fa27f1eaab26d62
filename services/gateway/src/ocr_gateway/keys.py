"""API keys for machine clients, kept hashed in a small SQLite file the gateway reads.

A key is `ocm_<key id>_<secret>`: the key id (12 hex digits) is public and names the key in lists
and logs; the secret is 32 random bytes (256 bits, URL-safe base64). Only the SHA-256 of the whole
key is stored. A slow password hash (bcrypt, scrypt) protects low-entropy passwords; a 256-bit
random key cannot be guessed from its hash, and SHA-256 keeps the check on every request cheap.

Why SQLite and not PostgreSQL: the gateway has no database of its own and no route to Postgres
(only the image-store has); one local file next to the outbox, on the same volume, needs no extra
network hop, credentials or network policy, and the gateway already runs as one replica because of
its outbox. Several gateway replicas would need a shared store (a Postgres table with the same
columns) instead.

    ocrmesh keys create --owner alice [--name ci] [--high-priority] [--daily-quota N] [--rate-per-minute N]
    ocrmesh keys list
    ocrmesh keys revoke <key id>

The same commands run inside the gateway's container: `python -m ocr_common.auth_keys ...`.
The store is API_KEYS_PATH (default `var/gateway-api-keys.sqlite3`).
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

KEY_PREFIX = "ocm"
DEFAULT_PATH = Path("var/gateway-api-keys.sqlite3")
_KEY = re.compile(r"^ocm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_key (
    key_id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    high_priority INTEGER NOT NULL DEFAULT 0,
    daily_quota INTEGER,
    rate_per_minute REAL,
    created_at REAL NOT NULL,
    revoked_at REAL
)
"""


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    owner: str
    name: str = ""
    high_priority: bool = False
    daily_quota: int | None = None         # None: the gateway's DAILY_QUOTA
    rate_per_minute: float | None = None   # None: the gateway's RATE_LIMIT_PER_MINUTE
    created_at: float = 0.0
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
    """The key table. Every call opens its own short connection, so the CLI and the gateway can
    use the file at the same time (WAL) and a revocation is seen by the next lookup."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
        try:
            os.chmod(self.path, 0o600)   # hashes only, but nobody else needs to read them
        except OSError:
            pass

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One short transaction: committed on success, rolled back on error, always closed."""
        with closing(sqlite3.connect(str(self.path), timeout=10)) as conn:
            conn.execute("PRAGMA synchronous=FULL")
            with conn:
                yield conn

    @staticmethod
    def _row(r) -> ApiKey:
        return ApiKey(key_id=r[0], owner=r[1], name=r[2], high_priority=bool(r[3]), daily_quota=r[4],
                      rate_per_minute=r[5], created_at=r[6], revoked_at=r[7])

    _COLUMNS = "key_id, owner, name, high_priority, daily_quota, rate_per_minute, created_at, revoked_at"

    def create(self, owner: str, name: str = "", high_priority: bool = False, daily_quota: int | None = None,
               rate_per_minute: float | None = None) -> tuple[ApiKey, str]:
        """Adds a key; returns it and its plaintext, which is shown once and never stored."""
        owner = owner.strip()
        if not owner or len(owner) > 255 or any(ord(c) < 32 for c in owner):
            raise ValueError("owner must be 1-255 printable characters")
        if daily_quota is not None and daily_quota < 0:
            raise ValueError("daily quota must be >= 0")
        if rate_per_minute is not None and rate_per_minute <= 0:
            raise ValueError("rate per minute must be > 0")
        key_id = secrets.token_hex(6)
        plaintext = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(key_id, owner, name, high_priority, daily_quota, rate_per_minute, time.time())
        with self._connect() as conn:
            conn.execute(f"INSERT INTO api_key ({self._COLUMNS}, key_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (key.key_id, key.owner, key.name, int(key.high_priority), key.daily_quota,
                          key.rate_per_minute, key.created_at, None, hash_key(plaintext)))
        return key, plaintext

    def list(self) -> list[ApiKey]:
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {self._COLUMNS} FROM api_key ORDER BY created_at").fetchall()
        return [self._row(r) for r in rows]

    def revoke(self, key_id: str) -> bool:
        """True if an active key was revoked now."""
        with self._connect() as conn:
            cur = conn.execute("UPDATE api_key SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                               (time.time(), key_id))
        return cur.rowcount == 1

    def verify(self, plaintext: str) -> ApiKey | None:
        """The active key this plaintext is, or None (unknown, malformed, wrong secret or revoked)."""
        m = _KEY.match(plaintext)
        if not m:
            return None
        with self._connect() as conn:
            row = conn.execute(f"SELECT {self._COLUMNS}, key_hash FROM api_key WHERE key_id = ?", (m.group(1),)).fetchone()
        if row is None or not hmac.compare_digest(row[8], hash_key(plaintext)):
            return None
        key = self._row(row)
        return key if key.active else None


# --- command line (also `ocrmesh keys`) --------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None,
                   help=f"the key store (default: $API_KEYS_PATH or {DEFAULT_PATH})")
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
    store = ApiKeyStore(args.db or Path(os.environ.get("API_KEYS_PATH") or DEFAULT_PATH))
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
    p = argparse.ArgumentParser(prog="python -m ocr_common.auth_keys", description="Create, list and revoke API keys.")
    add_arguments(p)
    try:
        return run(p.parse_args(argv))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

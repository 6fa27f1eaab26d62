"""The gateway's own PostgreSQL tables (schema `gateway`), its engine and its Alembic upgrade.

Everything several gateway replicas share lives here: the outbox, the API keys, the upload ledger
(daily quotas), the rate-limit buckets and the idempotency keys. The image-store's tables live in the
same database but in another schema with another migration history; neither touches the other's.
"""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import JSONB

log = logging.getLogger(__name__)

SCHEMA = "gateway"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x6F63_6777   # pg advisory lock key: one migrating replica at a time ("ocgw")

metadata = sa.MetaData(schema=SCHEMA)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("queue", sa.Text, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),            # len(body): batches are bounded without reading bodies
    sa.Column("content_type", sa.Text, nullable=False),
    sa.Column("headers", JSONB, nullable=False),
    sa.Column("priority", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
sa.Index("ix_outbox_lane", outbox.c.priority.desc(), outbox.c.id)

api_key = sa.Table(
    "api_key", metadata,
    sa.Column("key_id", sa.String(12), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("owner", sa.String(255), nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("high_priority", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("daily_quota", sa.Integer),
    sa.Column("rate_per_minute", sa.Float),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

upload = sa.Table(
    "upload", metadata,
    sa.Column("request_id", sa.String(36), primary_key=True),
    sa.Column("owner", sa.String(255), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
sa.Index("ix_upload_owner_day", upload.c.owner, upload.c.day)

rate_bucket = sa.Table(
    "rate_bucket", metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("stamp", sa.DateTime(timezone=True), nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),         # whether the last take got a token
)

idempotency_key = sa.Table(
    "idempotency_key", metadata,
    sa.Column("owner", sa.String(255), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("response", JSONB),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
sa.Index("ix_idempotency_key_created_at", idempotency_key.c.created_at)


def database_url(url: str) -> str:
    """postgres:// and postgresql:// (as PostgreSQL's own tools write them) use the psycopg2 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def make_engine(url: str, pool_size: int = 10, connect_timeout: int = 5) -> Engine:
    return sa.create_engine(database_url(url), pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size,
                            connect_args={"connect_timeout": connect_timeout})


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str | Engine, revision: str = "head") -> None:
    """Brings the gateway's schema to `revision`, holding an advisory lock so replicas starting
    together migrate one after the other."""
    engine = url if isinstance(url, Engine) else make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if engine is not url:
            engine.dispose()
    log.info("gateway schema at %s", revision)

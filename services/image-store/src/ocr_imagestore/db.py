"""Engine factory and programmatic Alembic upgrade."""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x6F63724D   # pg advisory lock key: one migrator at a time (API and consumers start together)


def make_engine(url: str, connect_timeout: int = 5, **kwargs) -> Engine:
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": connect_timeout}, **kwargs)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _migrate(url: str | Engine, step, revision: str) -> None:
    """Runs an Alembic command while holding an advisory lock, so concurrent starts do not race."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            step(cfg, revision)
    finally:
        if engine is not url:
            engine.dispose()


def upgrade_database(url: str | Engine, revision: str = "head") -> None:
    """Brings the schema to `revision`."""
    _migrate(url, command.upgrade, revision)
    log.info("database schema at %s", revision)


def downgrade_database(url: str | Engine, revision: str) -> None:
    _migrate(url, command.downgrade, revision)

"""Alembic environment of the gateway's schema. `upgrade_database()` hands in a connection; the alembic
CLI uses DATABASE_URL. The version table lives in the gateway's schema, apart from the image-store's."""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, text

from ocr_gateway.db import SCHEMA, metadata

config = context.config
target_metadata = metadata
OPTIONS = dict(target_metadata=target_metadata, compare_type=True, version_table_schema=SCHEMA, include_schemas=True,
               include_name=lambda name, type_, parent: type_ != "schema" or name == SCHEMA)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("set DATABASE_URL (e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/ocrmesh)")
    return url


def run_offline() -> None:
    context.configure(url=_url(), literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url())
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()


if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_offline()
else:
    run_online()

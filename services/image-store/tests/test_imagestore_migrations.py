"""Alembic migrations on a fresh database: the original tables and columns, and the models in sync."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from ocr_imagestore.db import downgrade_database, make_engine, upgrade_database
from ocr_imagestore.models import Base

SERVICE = Path(__file__).resolve().parents[1]
ORIGINAL = {  # the original system's Liquibase schema (001-tables.yaml)
    "image": {"id", "path", "creation_timestamp"},
    "image_box": {"id", "start_x", "start_y", "width", "height", "text", "image_id"},
    "text_correction": {"id", "value", "image_id"},
}


@pytest.fixture()
def fresh_url(temp_databases) -> str:
    return temp_databases.create()


def test_migrations_create_the_original_tables(fresh_url):
    upgrade_database(fresh_url)
    upgrade_database(fresh_url)        # a second start is a no-op
    engine = make_engine(fresh_url)
    try:
        insp = inspect(engine)
        assert set(ORIGINAL) <= set(insp.get_table_names())
        for table, columns in ORIGINAL.items():
            assert columns <= {c["name"] for c in insp.get_columns(table)}, table
        image = {c["name"]: c for c in insp.get_columns("image")}
        assert str(image["id"]["type"]) == "VARCHAR(36)" and not image["creation_timestamp"]["nullable"]
        assert insp.get_pk_constraint("image")["constrained_columns"] == ["id"]
        for child in ("image_box", "text_correction"):
            fks = insp.get_foreign_keys(child)
            assert [(f["constrained_columns"], f["referred_table"]) for f in fks] == [(["image_id"], "image")]
        assert any(ix["column_names"] == ["creation_timestamp"] for ix in insp.get_indexes("image"))
        assert {"image_id", "line_index"} == set(insp.get_unique_constraints("image_box")[0]["column_names"])
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
            serial = conn.scalar(text("SELECT column_default FROM information_schema.columns "
                                      "WHERE table_name = 'image_box' AND column_name = 'id'"))
            assert serial.startswith("nextval(")
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(fresh_url):
    upgrade_database(fresh_url)
    downgrade_database(fresh_url, "base")
    engine = make_engine(fresh_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade_database(fresh_url)
        assert set(ORIGINAL) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_alembic_command_line(fresh_url):
    env = {**os.environ, "DATABASE_URL": fresh_url}
    alembic = [sys.executable, "-m", "alembic", "-c", str(SERVICE / "alembic.ini")]
    subprocess.run([*alembic, "upgrade", "head"], env=env, check=True, capture_output=True, timeout=60)
    current = subprocess.run([*alembic, "current"], env=env, check=True, capture_output=True, text=True, timeout=60)
    assert "0001 (head)" in current.stdout

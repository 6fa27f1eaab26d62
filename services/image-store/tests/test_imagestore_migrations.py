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
from ocr_imagestore.search import search

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
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0005"
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
    assert "0005 (head)" in current.stdout


def test_search_upgrade_indexes_what_is_already_stored(fresh_url):
    """0002 and 0004 on a database with results: they are searchable at once, corrections applied; and back down."""
    upgrade_database(fresh_url, "0001")
    engine = make_engine(fresh_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO image (id, creation_timestamp, text, owner) VALUES "
                              "('a', now(), 'KEDAI SENT0SA\nTOTAL 5.00', 'alice'), ('b', now(), 'NO LINES HERE', NULL)"))
            conn.execute(text("INSERT INTO image_box (image_id, line_index, start_x, start_y, width, height, text) VALUES "
                              "('a', 0, 0, 0, 10, 10, 'KEDAI SENT0SA'), ('a', 1, 0, 10, 10, 10, 'TOTAL 5.00')"))
            conn.execute(text("INSERT INTO text_correction (image_id, correction_id, line_index, value) VALUES "
                              "('a', gen_random_uuid(), 0, 'KEDAI SENTOSA')"))
        upgrade_database(fresh_url, "0003")     # corrections may now delete, move and add lines
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO text_correction (image_id, correction_id, line_index, value, deleted, points) VALUES "
                              "('a', gen_random_uuid(), 1, '', true, NULL), "
                              "('a', gen_random_uuid(), 7, 'CASH 9.00', false, '[[0,80],[10,80],[10,90],[0,90]]')"))
        upgrade_database(fresh_url)
        with engine.connect() as conn:
            def found(q: str) -> list[str]:
                return [hit.request_id for hit in search(conn, q, 10).items]
            assert found("sentosa") == ["a"] and found("sent0sa") == [] and found("lines") == ["b"]
            assert found("LINEZ") == ["b"]       # near spellings come from the backfilled word list
            assert found("total") == [] and found("cash") == ["a"]     # line 1 deleted, line 7 added
            lines = conn.execute(text("SELECT line_index, text, points FROM search_line ORDER BY line_index")).all()
            assert [tuple(ln) for ln in lines] == [(0, "KEDAI SENTOSA", [[0, 0], [10, 0], [10, 10], [0, 10]]),
                                                   (7, "CASH 9.00", [[0, 80], [10, 80], [10, 90], [0, 90]])]
            assert conn.scalar(text("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")) == "pg_trgm"
        downgrade_database(fresh_url, "0003")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT search_text FROM image_box ORDER BY line_index")).scalars().all() == [
                "KEDAI SENTOSA", ""]
        downgrade_database(fresh_url, "0001")
        assert "search_word" not in inspect(engine).get_table_names()
        assert "search_text" not in {c["name"] for c in inspect(engine).get_columns("image")}
    finally:
        engine.dispose()

"""the outbox's bodies are stored uncompressed (STORAGE EXTERNAL)

An upload is already compressed (PNG, JPEG, PDF) and its row lives only until the broker confirms it, so
PostgreSQL's attempt to compress it is spent for nothing: on the dev pages' uploads and their data messages,
the insert cost PostgreSQL 15 ms of CPU a page with the default (pglz), 9-10 with lz4 and 8 uncompressed
(docs/performance.md).

Revision ID: g0003
Revises: g0002
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "g0003"
down_revision = "g0002"
branch_labels = None
depends_on = None

SCHEMA = "gateway"


def upgrade() -> None:
    # Applies to rows written from now on; rows already there keep what they were stored as.
    op.execute(f"ALTER TABLE {SCHEMA}.outbox ALTER COLUMN body SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {SCHEMA}.outbox ALTER COLUMN body SET STORAGE EXTENDED")

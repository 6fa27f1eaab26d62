"""idempotency keys of POST /v1/ocr: the first answer per (owner, key)

Revision ID: g0002
Revises: g0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "g0002"
down_revision = "g0001"
branch_labels = None
depends_on = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, comment="SHA-256 of the upload"),
        sa.Column("response", postgresql.JSONB(), nullable=True, comment="the answer; NULL while the request runs"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False,
                  comment="a running request past this died with its replica; a retry takes over"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name="pk_idempotency_key"),
        schema=SCHEMA,
    )
    op.create_index("ix_idempotency_key_created_at", "idempotency_key", ["created_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("idempotency_key", schema=SCHEMA)

"""the gateway's shared state: outbox, API keys, upload ledger, rate-limit buckets (was SQLite per replica)

Revision ID: g0001
Revises:
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "g0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False, comment="len(body)"),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("headers", postgresql.JSONB(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        schema=SCHEMA,
    )
    op.create_index("ix_outbox_lane", "outbox", [sa.text("priority DESC"), "id"], schema=SCHEMA)

    op.create_table(
        "api_key",
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, comment="SHA-256 of the whole key"),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("high_priority", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=True),
        sa.Column("rate_per_minute", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_key"),
        schema=SCHEMA,
    )

    op.create_table(
        "upload",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False, comment="UTC day the quota counts it on"),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_upload"),
        schema=SCHEMA,
    )
    op.create_index("ix_upload_owner_day", "upload", ["owner", "day"], schema=SCHEMA)

    op.create_table(
        "rate_bucket",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_bucket"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("rate_bucket", "upload", "api_key", "outbox"):
        op.drop_table(table, schema=SCHEMA)

"""image, image_box and text_correction: the original tables plus what out-of-order delivery needs

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image",
        sa.Column("id", sa.String(36), nullable=False, comment="request_id of the upload"),
        sa.Column("path", sa.String(256), nullable=True, comment="file path relative to IMAGE_ROOT; NULL until received"),
        sa.Column("creation_timestamp", sa.DateTime(timezone=True), nullable=False, comment="created_at of the messages"),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("file_received", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("file_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("detection_model", sa.String(128), nullable=True),
        sa.Column("recognition_model", sa.String(128), nullable=True),
        sa.Column("data_received", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("data_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_image"),
    )
    op.create_index("ix_image_creation_timestamp", "image", ["creation_timestamp"])
    op.create_index("ix_image_owner_creation_timestamp", "image", ["owner", "creation_timestamp"])

    op.create_table(
        "image_box",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("start_x", sa.Integer(), nullable=False),
        sa.Column("start_y", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("points", postgresql.JSONB(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["image_id"], ["image.id"], name="fk_image_box_image_id_image"),
        sa.PrimaryKeyConstraint("id", name="pk_image_box"),
        sa.UniqueConstraint("image_id", "line_index", name="uq_image_box_image_id_line_index"),
    )

    op.create_table(
        "text_correction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("correction_id", sa.Uuid(), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["image.id"], name="fk_text_correction_image_id_image"),
        sa.PrimaryKeyConstraint("id", name="pk_text_correction"),
    )
    op.create_index("ix_text_correction_image_id", "text_correction", ["image_id"])
    op.create_index("uq_text_correction_correction_line", "text_correction",
                    ["correction_id", sa.text("COALESCE(line_index, -1)")], unique=True)


def downgrade() -> None:
    op.drop_table("text_correction")
    op.drop_table("image_box")
    op.drop_table("image")

"""corrections that can teach: a corrected or added box, deleted lines, and who made the correction

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("text_correction", sa.Column("points", postgresql.JSONB(), nullable=True,
                                               comment="the corrected box [[x,y]x4]; NULL keeps the detected one"))
    op.add_column("text_correction", sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False,
                                               comment="the line's box holds no text"))
    op.add_column("text_correction", sa.Column("author", sa.String(255), nullable=True,
                                               comment="who corrected (JWT subject or API key owner)"))


def downgrade() -> None:
    for column in ("author", "deleted", "points"):
        op.drop_column("text_correction", column)

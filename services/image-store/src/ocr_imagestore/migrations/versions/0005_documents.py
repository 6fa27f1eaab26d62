"""documents: a result's pages, and each line's page and words

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("image", sa.Column("pages", postgresql.JSONB(), nullable=True,
                                     comment="a document's pages [{page,width,height,dpi}]; NULL: one image"))
    op.add_column("image_box", sa.Column("page", sa.Integer(), server_default=sa.text("1"), nullable=False,
                                         comment="1-based page of a document"))
    op.add_column("image_box", sa.Column("words", postgresql.JSONB(), nullable=True,
                                         comment="the line's words [{points,text,confidence}]; NULL: not stored"))


def downgrade() -> None:
    op.drop_column("image_box", "words")
    op.drop_column("image_box", "page")
    op.drop_column("image", "pages")

"""search over the lines as corrected: a line may be moved, deleted or added by a correction (0003),
so the searched lines get their own table, search_line, instead of columns of image_box

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LINE_VECTOR = "setweight(to_tsvector('english'::regconfig, text), CASE WHEN corrected THEN 'A'::\"char\" ELSE 'B'::\"char\" END)"
OLD_LINE_VECTOR = ("setweight(to_tsvector('english'::regconfig, COALESCE(search_text, ''::text)), "
                   "CASE WHEN search_text IS DISTINCT FROM text THEN 'A'::\"char\" ELSE 'B'::\"char\" END)")

# The rules of ocr_imagestore.search_index as they are at this revision, for every image at once.
BACKFILL = [
    """INSERT INTO search_line (image_id, line_index, text, points, corrected)
       SELECT n.image_id, n.line_index, COALESCE(c.value, b.text, ''),
              COALESCE(m.points, NULLIF(b.points, 'null'::jsonb), CASE WHEN b.id IS NOT NULL THEN jsonb_build_array(
                  jsonb_build_array(b.start_x, b.start_y), jsonb_build_array(b.start_x + b.width, b.start_y),
                  jsonb_build_array(b.start_x + b.width, b.start_y + b.height), jsonb_build_array(b.start_x, b.start_y + b.height)) END),
              c.value IS NOT NULL AND c.value IS DISTINCT FROM b.text
       FROM (SELECT image_id, line_index FROM image_box
             UNION SELECT image_id, line_index FROM text_correction WHERE line_index IS NOT NULL) n
       LEFT JOIN image_box b ON b.image_id = n.image_id AND b.line_index = n.line_index
       LEFT JOIN LATERAL (SELECT value, deleted FROM text_correction t WHERE t.image_id = n.image_id
                          AND t.line_index = n.line_index ORDER BY t.created_at DESC, t.id DESC LIMIT 1) c ON true
       LEFT JOIN LATERAL (SELECT points FROM text_correction t WHERE t.image_id = n.image_id AND t.line_index = n.line_index
                          AND jsonb_typeof(t.points) = 'array' ORDER BY t.created_at DESC, t.id DESC LIMIT 1) m ON true
       WHERE NOT COALESCE(c.deleted, false)""",
    r"""UPDATE image i SET (search_text, search_vector) = (
           SELECT COALESCE(w.value, l.text, i.text),
                  COALESCE(setweight(to_tsvector('english', w.value), 'A'), l.vector,
                           setweight(to_tsvector('english', COALESCE(i.text, '')), 'B'))
           FROM (SELECT string_agg(s.text, E'\n' ORDER BY s.line_index) AS text,
                        tsvector_agg(s.search_vector ORDER BY s.line_index) AS vector
                 FROM search_line s WHERE s.image_id = i.id AND s.text <> '') l
           LEFT JOIN LATERAL (SELECT CASE WHEN c.line_index IS NULL THEN c.value END AS value FROM text_correction c
                              WHERE c.image_id = i.id ORDER BY c.created_at DESC, c.id DESC LIMIT 1) w ON true)""",
]


def upgrade() -> None:
    op.create_table(
        "search_line",
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False, comment="the line's text as corrected"),
        sa.Column("points", postgresql.JSONB(), nullable=True, comment="its box [[x,y]x4] as corrected; NULL: none"),
        sa.Column("corrected", sa.Boolean(), nullable=False, comment="a person changed its text (weight A)"),
        sa.Column("search_vector", postgresql.TSVECTOR(), sa.Computed(LINE_VECTOR, persisted=True), nullable=True),
        sa.ForeignKeyConstraint(["image_id"], ["image.id"], name="fk_search_line_image_id_image", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("image_id", "line_index", name="pk_search_line"),
    )
    for statement in BACKFILL:
        op.execute(statement)
    op.drop_column("image_box", "search_vector")
    op.drop_column("image_box", "search_text")


def downgrade() -> None:
    op.add_column("image_box", sa.Column("search_text", sa.Text(), nullable=True))
    op.add_column("image_box", sa.Column("search_vector", postgresql.TSVECTOR(), sa.Computed(OLD_LINE_VECTOR, persisted=True),
                                         nullable=True))
    op.execute("""UPDATE image_box b SET search_text = COALESCE(s.text, '')
                  FROM image_box b2 LEFT JOIN search_line s ON s.image_id = b2.image_id AND s.line_index = b2.line_index
                  WHERE b2.id = b.id""")
    op.drop_table("search_line")

"""full-text search: corrected texts and their tsvectors (GIN), and the word list for near spellings (pg_trgm)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LINE_VECTOR = ("setweight(to_tsvector('english'::regconfig, COALESCE(search_text, ''::text)), "
               "CASE WHEN search_text IS DISTINCT FROM text THEN 'A'::\"char\" ELSE 'B'::\"char\" END)")

# The backfill applies the rules of ocr_imagestore.search_index as they were at this revision.
BACKFILL = [
    """UPDATE image_box b SET search_text = COALESCE(
           (SELECT c.value FROM text_correction c WHERE c.image_id = b.image_id AND c.line_index = b.line_index
            ORDER BY c.created_at DESC, c.id DESC LIMIT 1), b.text)""",
    r"""UPDATE image i SET (search_text, search_vector) = (
           SELECT COALESCE(w.value, l.text, i.text),
                  COALESCE(setweight(to_tsvector('english', w.value), 'A'), l.vector,
                           setweight(to_tsvector('english', COALESCE(i.text, '')), 'B'))
           FROM (SELECT string_agg(b.search_text, E'\n' ORDER BY b.line_index) AS text,
                        tsvector_agg(b.search_vector ORDER BY b.line_index) AS vector
                 FROM image_box b WHERE b.image_id = i.id) l
           LEFT JOIN LATERAL (
               SELECT c.value FROM text_correction c WHERE c.image_id = i.id AND c.line_index IS NULL
                 AND NOT EXISTS (SELECT 1 FROM text_correction n JOIN image_box b
                                   ON b.image_id = n.image_id AND b.line_index = n.line_index
                                 WHERE n.image_id = i.id AND (n.created_at, n.id) > (c.created_at, c.id))
               ORDER BY c.created_at DESC, c.id DESC LIMIT 1) w ON true)""",
    """INSERT INTO search_word (word, last_seen)
       SELECT w.word, max(i.creation_timestamp) FROM image i,
              unnest(tsvector_to_array(to_tsvector('simple', i.search_text))) AS w(word)
       WHERE length(w.word) BETWEEN 3 AND 64 AND w.word ~ '[[:alpha:]]'
       GROUP BY w.word""",
]


def upgrade() -> None:
    # pg_trgm is a trusted extension: the database owner may create it without superuser rights.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Concatenates tsvectors in order, shifting positions, so that phrases still match across lines.
    op.execute("CREATE OR REPLACE AGGREGATE tsvector_agg (tsvector) (SFUNC = tsvector_concat, STYPE = tsvector)")
    op.add_column("image", sa.Column("search_text", sa.Text(), nullable=True))
    op.add_column("image", sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True))
    # Inline (compressed) rather than out of line: a search reads and ranks every matching result's
    # tsvector, and fetching them from the TOAST table made that 2.5 times slower (docs/search.md).
    op.execute("ALTER TABLE image ALTER COLUMN search_vector SET STORAGE MAIN")
    op.add_column("image_box", sa.Column("search_text", sa.Text(), nullable=True))
    op.add_column("image_box", sa.Column("search_vector", postgresql.TSVECTOR(), sa.Computed(LINE_VECTOR, persisted=True),
                                         nullable=True))
    op.create_table(
        "search_word",
        sa.Column("word", sa.Text(), nullable=False, comment="lower case, as the 'simple' configuration splits it"),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False,
                  comment="creation_timestamp of the newest image holding it (retention)"),
        sa.PrimaryKeyConstraint("word", name="pk_search_word"),
    )
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index("ix_image_search_vector", "image", ["search_vector"], postgresql_using="gin")
    op.create_index("ix_search_word_word_trgm", "search_word", ["word"], postgresql_using="gin",
                    postgresql_ops={"word": "gin_trgm_ops"})
    op.create_index("ix_search_word_last_seen", "search_word", ["last_seen"])


def downgrade() -> None:
    op.drop_table("search_word")
    op.drop_index("ix_image_search_vector", table_name="image")
    for table in ("image", "image_box"):
        op.drop_column(table, "search_vector")
        op.drop_column(table, "search_text")
    op.execute("DROP AGGREGATE IF EXISTS tsvector_agg (tsvector)")
    # pg_trgm stays: other schemas in the database may use it.

"""Keeps the search index of one image in step with its lines and corrections.

The index holds the text as a person sees it in the front end (services/frontend/src/lib/corrections.ts):
corrections apply oldest first, so the newest wins; a line's text is its newest line correction, else
what was read; the whole text is the newest correction if that one corrects the whole text, else the
lines joined by "\\n". This module sets those texts and the image's tsvector (a line's is a generated
column), and adds the words to `search_word`.

`refresh` runs in the transaction that wrote the lines or the correction, after the `image` row
was upserted: that upsert locks the row, so two writers of one image take turns and the second one
sees what the first committed, whatever the order the messages arrive in.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from .models import SEARCH_CONFIG

_LINES = text("""
    UPDATE image_box b SET search_text = COALESCE(
        (SELECT c.value FROM text_correction c WHERE c.image_id = b.image_id AND c.line_index = b.line_index
         ORDER BY c.created_at DESC, c.id DESC LIMIT 1), b.text)
    WHERE b.image_id = :id""")

# The whole text: the newest correction if it corrects the whole text (a line correction of a line
# that does not exist is ignored, as in the front end), else the lines. Its tsvector is the lines'
# tsvectors in order (so a line keeps its weight), or the whole-text correction's with weight A.
_WHOLE_TEXT = text(r"""
    UPDATE image i SET (search_text, search_vector) = (
        SELECT COALESCE(w.value, l.text, i.text),
               COALESCE(setweight(to_tsvector(CAST(:config AS regconfig), w.value), 'A'), l.vector,
                        setweight(to_tsvector(CAST(:config AS regconfig), COALESCE(i.text, '')), 'B'))
        FROM (SELECT string_agg(b.search_text, E'\n' ORDER BY b.line_index) AS text,
                     tsvector_agg(b.search_vector ORDER BY b.line_index) AS vector
              FROM image_box b WHERE b.image_id = i.id) l
        LEFT JOIN LATERAL (
            SELECT c.value FROM text_correction c WHERE c.image_id = i.id AND c.line_index IS NULL
              AND NOT EXISTS (SELECT 1 FROM text_correction n JOIN image_box b
                                ON b.image_id = n.image_id AND b.line_index = n.line_index
                              WHERE n.image_id = i.id AND (n.created_at, n.id) > (c.created_at, c.id))
            ORDER BY c.created_at DESC, c.id DESC LIMIT 1) w ON true)
    WHERE i.id = :id
    RETURNING i.search_text, i.creation_timestamp""")

# Words in a fixed order, so that two writers lock shared words in the same order (no deadlock).
# Only words with a letter: near spellings of numbers would be other numbers.
_WORDS = text("""
    INSERT INTO search_word (word, last_seen)
    SELECT w.word, :seen FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, :text))) AS w(word)
    WHERE length(w.word) BETWEEN 3 AND 64 AND w.word ~ '[[:alpha:]]'
    ORDER BY w.word
    ON CONFLICT (word) DO UPDATE SET last_seen = excluded.last_seen WHERE search_word.last_seen < excluded.last_seen""")


def refresh(conn: Connection, image_id: str) -> None:
    """Recomputes the image's indexed texts from its lines and corrections (idempotent)."""
    conn.execute(_LINES, {"id": image_id})
    row = conn.execute(_WHOLE_TEXT, {"id": image_id, "config": SEARCH_CONFIG}).first()
    if row is not None and row.search_text:
        conn.execute(_WORDS, {"text": row.search_text, "seen": row.creation_timestamp})


def prune_words(conn: Connection, cutoff: datetime, dry_run: bool = False) -> int:
    """Forgets the words of which no image newer than `cutoff` was seen holding one (retention)."""
    if dry_run:
        return conn.scalar(text("SELECT count(*) FROM search_word WHERE last_seen < :cutoff"), {"cutoff": cutoff})
    return conn.execute(text("DELETE FROM search_word WHERE last_seen < :cutoff"), {"cutoff": cutoff}).rowcount

"""Keeps the search index of one image in step with its lines and corrections.

The index holds the text as a person sees it after the corrections, applied oldest first so that
the newest wins:
- a line correction gives its line a new text; with `points` a new box (the newest box given stays
  until another is), at an index nothing was detected at a new line, and with `deleted` it removes
  the line; these lines go to `search_line`;
- the whole text is the newest correction if that one corrects the whole text, else the lines
  joined by "\\n" (as services/frontend/src/lib/corrections.ts shows it); it goes to `image`.
Its words go to `search_word`, where near spellings of query words are looked up.

`refresh` runs in the transaction that wrote the lines or the correction, after the `image` row
was upserted: that upsert locks the row, so two writers of one image take turns and the second one
sees what the first committed, whatever the order the messages arrive in.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from .models import SEARCH_CONFIG

_LINES = [
    text("DELETE FROM search_line WHERE image_id = :id"),
    # A box without points (the original system's messages) gets the rectangle it was given as;
    # JSONB columns hold a JSON null where no points were given.
    text("""
    INSERT INTO search_line (image_id, line_index, text, points, corrected)
    SELECT :id, n.line_index, COALESCE(c.value, b.text, ''),
           COALESCE(m.points, NULLIF(b.points, 'null'::jsonb), CASE WHEN b.id IS NOT NULL THEN jsonb_build_array(
               jsonb_build_array(b.start_x, b.start_y), jsonb_build_array(b.start_x + b.width, b.start_y),
               jsonb_build_array(b.start_x + b.width, b.start_y + b.height), jsonb_build_array(b.start_x, b.start_y + b.height)) END),
           c.value IS NOT NULL AND c.value IS DISTINCT FROM b.text
    FROM (SELECT line_index FROM image_box WHERE image_id = :id
          UNION SELECT line_index FROM text_correction WHERE image_id = :id AND line_index IS NOT NULL) n
    LEFT JOIN image_box b ON b.image_id = :id AND b.line_index = n.line_index
    LEFT JOIN LATERAL (SELECT value, deleted FROM text_correction t WHERE t.image_id = :id AND t.line_index = n.line_index
                       ORDER BY t.created_at DESC, t.id DESC LIMIT 1) c ON true
    LEFT JOIN LATERAL (SELECT points FROM text_correction t WHERE t.image_id = :id AND t.line_index = n.line_index
                       AND jsonb_typeof(t.points) = 'array' ORDER BY t.created_at DESC, t.id DESC LIMIT 1) m ON true
    WHERE NOT COALESCE(c.deleted, false)"""),
]

# The image's tsvector is its lines' in order (each keeps its weight; positions run on, so a phrase
# may span a line break), or a whole-text correction's with weight A.
_WHOLE_TEXT = text(r"""
    UPDATE image i SET (search_text, search_vector) = (
        SELECT COALESCE(w.value, l.text, i.text),
               COALESCE(setweight(to_tsvector(CAST(:config AS regconfig), w.value), 'A'), l.vector,
                        setweight(to_tsvector(CAST(:config AS regconfig), COALESCE(i.text, '')), 'B'))
        FROM (SELECT string_agg(s.text, E'\n' ORDER BY s.line_index) AS text,
                     tsvector_agg(s.search_vector ORDER BY s.line_index) AS vector
              FROM search_line s WHERE s.image_id = i.id AND s.text <> '') l
        LEFT JOIN LATERAL (SELECT CASE WHEN c.line_index IS NULL THEN c.value END AS value FROM text_correction c
                           WHERE c.image_id = i.id ORDER BY c.created_at DESC, c.id DESC LIMIT 1) w ON true)
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
    """Recomputes the image's indexed lines and text from its lines and corrections (idempotent)."""
    for statement in _LINES:
        conn.execute(statement, {"id": image_id})
    row = conn.execute(_WHOLE_TEXT, {"id": image_id, "config": SEARCH_CONFIG}).first()
    if row is not None and row.search_text:
        conn.execute(_WORDS, {"text": row.search_text, "seen": row.creation_timestamp})


def prune_words(conn: Connection, cutoff: datetime, dry_run: bool = False) -> int:
    """Forgets the words of which no image newer than `cutoff` was seen holding one (retention)."""
    if dry_run:
        return conn.scalar(text("SELECT count(*) FROM search_word WHERE last_seen < :cutoff"), {"cutoff": cutoff})
    return conn.execute(text("DELETE FROM search_word WHERE last_seen < :cutoff"), {"cutoff": cutoff}).rowcount

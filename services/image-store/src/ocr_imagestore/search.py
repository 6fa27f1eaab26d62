"""Full-text search over the stored results; search_index.py keeps the index, docs/search.md explains it.

A query is words, "exact phrases" and -excluded words or phrases. Each word and phrase is turned
into a tsquery by PostgreSQL's own `websearch_to_tsquery` (English stemming and stop words), and a
result matches when its whole text holds every word and phrase and none of the excluded ones.
OCR misreads a character now and then, so a word of 4 letters or more also matches the stored words
at most one edit away (two from 8 letters on): pg_trgm finds those near spellings in `search_word`,
an edit distance keeps the true ones, and they join the word's tsquery as alternatives restricted to
weight B, the text as the OCR read it. What a person corrected has weight A and matches exactly only:
a corrected word is found by its correction, never by its error. A result's score is 1 when it holds
every word as written (0 when one only matches by a near spelling) plus ts_rank of the query, so exact
matches come first. Pages are keyset-paged on (score, created_at, id). The snippet is cut from the
matching lines (from the whole text when no single line matches, e.g. a phrase over a line break).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Connection, text

from ocr_common.search import MAX_QUERY_TERMS, StoredSearchHit, StoredSearchResults

from .models import SEARCH_CONFIG

MIN_FUZZY_LENGTH = 4
MAX_ALTERNATIVES = 8               # near spellings per word, closest first
TRIGRAM_THRESHOLD = 0.25           # one edit in a 4-letter word still shares a quarter of its trigrams
SNIPPET_SEPARATOR = " · "          # between lines in a snippet
_START, _STOP = "\x02", "\x03"     # ts_headline's match markers; removed from the text beforehand
# Matching lines are short: one passage keeps them whole. A whole text may be long: two fragments.
LINES_HEADLINE = f"MaxWords=35, MinWords=12, StartSel={_START}, StopSel={_STOP}"
TEXT_HEADLINE = f"MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=' … ', StartSel={_START}, StopSel={_STOP}"

_TOKEN = re.compile(r'(-?)"([^"]*)"|([^\s"]+)')
_PLAIN_WORD = re.compile(r"^[^\W_]+$")
_LEXEME = re.compile(r"'((?:[^']|'')*)'")     # a lexeme in a tsquery's text form


class QueryError(ValueError):
    """The query (or its cursor) cannot be searched; the message says why, `code` is the API error code."""

    def __init__(self, message: str, code: str = "invalid_query"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    excluded: bool = False

    @property
    def fuzzy(self) -> bool:
        t = self.text
        return (not self.phrase and not self.excluded and len(t) >= MIN_FUZZY_LENGTH and _PLAIN_WORD.match(t) is not None
                and any(c.isalpha() for c in t))


def parse_query(q: str) -> list[Term]:
    """Words, "phrases" and -excluded ones; raises QueryError for a query that cannot be searched."""
    if q.count('"') % 2:
        raise QueryError('a quote is not closed: write "exact phrases" between two double quotes')
    terms = []
    for minus, phrase, word in _TOKEN.findall(q):
        if word:
            excluded = word.startswith("-")
            word = word.lstrip("-")
            if word:
                terms.append(Term(word.lower(), excluded=excluded))
        elif phrase.strip():
            terms.append(Term(" ".join(phrase.lower().split()), phrase=True, excluded=bool(minus)))
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"at most {MAX_QUERY_TERMS} words and phrases")
    if not any(not t.excluded for t in terms):
        raise QueryError("nothing to look for: give at least one word or phrase (excluded ones alone match nothing)")
    return terms


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 once it is sure to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def allowed_edits(word: str) -> int:
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class Plan:
    """The query as tsqueries (their text form, as PostgreSQL wrote it)."""
    match: str          # what a result must match: every word (or a near spelling), every phrase, no excluded one
    rank: str           # the same without the excluded ones (ts_rank gives 0 to a query with a NOT)
    exact: str | None   # every word and phrase as written; None when no word has a near spelling
    any: str            # any word, phrase or near spelling: for the snippet and the matching lines


def _near_spellings(conn: Connection, words: list[str]) -> dict[str, list[str]]:
    if not words:
        return {}
    conn.execute(text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"), {"t": str(TRIGRAM_THRESHOLD)})
    rows = conn.execute(text("SELECT q.term, w.word FROM unnest(CAST(:words AS text[])) AS q(term) "
                             "JOIN search_word w ON w.word % q.term"), {"words": words}).all()
    found: dict[str, list[tuple[int, str]]] = {w: [] for w in words}
    for term, word in rows:
        limit = allowed_edits(term)
        distance = edit_distance(term, word, limit)
        if 0 < distance <= limit:
            found[term].append((distance, word))
    return {term: [w for _, w in sorted(near)[:MAX_ALTERNATIVES]] for term, near in found.items()}


def plan(conn: Connection, terms: list[Term]) -> Plan:
    """Turns parsed terms into tsqueries; raises QueryError when only stop words or punctuation remain."""
    near = _near_spellings(conn, sorted({t.text for t in terms if t.fuzzy}))
    texts = [f'"{t.text}"' if t.phrase else t.text for t in terms]
    alternatives = [w for t in terms for w in near.get(t.text, []) if t.fuzzy]
    rows = conn.execute(text(f"SELECT websearch_to_tsquery('{SEARCH_CONFIG}', t.q)::text FROM unnest(CAST(:texts AS text[])) "
                             "WITH ORDINALITY AS t(q, n) ORDER BY t.n"), {"texts": texts + alternatives}).scalars().all()
    queries = dict(zip(texts + alternatives, rows, strict=True))
    positive, excluded, words, fuzzy = [], [], [], False
    for term, source in zip(terms, texts, strict=True):
        exact = queries[source]
        if not exact:   # a stop word or punctuation: PostgreSQL ignores it, and so does the search
            continue
        if term.excluded:
            excluded.append(f"!( {exact} )")
            continue
        words.append(exact)
        options = [exact] + [_LEXEME.sub(r"'\1':B", queries[w]) for w in near.get(term.text, []) if term.fuzzy and queries[w]]
        fuzzy = fuzzy or len(options) > 1
        positive.append("( " + " | ".join(dict.fromkeys(options)) + " )")
    if not positive:
        raise QueryError("no searchable words: stop words (the, and, …) and punctuation are ignored")
    return Plan(match=" & ".join(positive + excluded), rank=" & ".join(positive),
                exact=" & ".join(f"( {w} )" for w in words) if fuzzy else None, any=" | ".join(positive))


# ------------------------------------------------------------------------------------------ cursor

def _fingerprint(q: str) -> str:
    return hashlib.sha256(q.encode()).hexdigest()[:12]


def encode_cursor(q: str, score: Decimal, created_at: datetime, image_id: str) -> str:
    raw = json.dumps([str(score), created_at.astimezone(UTC).isoformat(), image_id, _fingerprint(q)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(q: str, cursor: str) -> tuple[Decimal, datetime, str]:
    try:
        score, when, image_id, fingerprint = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = (Decimal(score), datetime.fromisoformat(when).astimezone(UTC), str(image_id))
        # Scores lie in [0, 2); ids are UUIDs: anything else would only make PostgreSQL fail.
        if not 0 <= key[0] < 10 or len(key[2]) > 36 or "\x00" in key[2]:
            raise ValueError("not a cursor")
        key[2].encode()
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, ArithmeticError):
        raise QueryError("cursor is not one returned by this API", "invalid_cursor") from None
    if fingerprint != _fingerprint(q):
        raise QueryError("cursor belongs to another query", "invalid_cursor")
    return key


# ------------------------------------------------------------------------------------------ search

_HITS = """
    SELECT id, creation_timestamp, owner, score FROM (
        SELECT i.id, i.creation_timestamp, i.owner,
               round({exact} + ts_rank('{{1,1,1,1}}', i.search_vector, CAST(:rank AS tsquery), 32)::numeric, 6) AS score
        FROM image i
        WHERE i.search_vector @@ CAST(:match AS tsquery) {owner}
    ) hit {after}
    ORDER BY score DESC, creation_timestamp DESC, id DESC
    LIMIT :limit"""

# `source`: the matching lines, NULL for the whole text (ts_headline is slow on long texts).
_SNIPPETS = text(f"""
    SELECT s.id, ts_headline('{SEARCH_CONFIG}', translate(COALESCE(s.source, i.search_text), E'\\x02\\x03', ''),
                             CAST(:any AS tsquery), CASE WHEN s.source IS NULL THEN :text_options ELSE :lines_options END)
    FROM unnest(CAST(:ids AS text[]), CAST(:sources AS text[])) AS s(id, source) JOIN image i ON i.id = s.id""")
SNIPPET_LINES = 5

_LINES = text("""
    SELECT image_id, line_index, text, points FROM search_line
    WHERE image_id = ANY(CAST(:ids AS text[])) AND search_vector @@ CAST(:any AS tsquery)
    ORDER BY image_id, line_index""")


def highlighted(headline: str) -> tuple[str, list[tuple[int, int]]]:
    """ts_headline's output as plain text plus [start, end) offsets (in characters) of the marked words."""
    snippet, spans, start = [], [], None
    length = 0
    for ch in headline.strip().replace("\n", SNIPPET_SEPARATOR):
        if ch == _START:
            start = length
        elif ch == _STOP:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            snippet.append(ch)
            length += 1
    return "".join(snippet), spans


def search(conn: Connection, q: str, limit: int, owner: str | None = None, cursor: str | None = None) -> StoredSearchResults:
    """One page of results for `q`, best first; `owner` limits them to that owner's (None: everyone's)."""
    terms = parse_query(q)
    after = decode_cursor(q, cursor) if cursor else None
    p = plan(conn, terms)
    params = {"match": p.match, "rank": p.rank, "limit": limit + 1}
    if p.exact is not None:
        params["exact"] = p.exact
    if owner is not None:
        params["owner"] = owner
    if after is not None:
        params.update(after_score=after[0], after_time=after[1], after_id=after[2])
    sql = _HITS.format(exact="(i.search_vector @@ CAST(:exact AS tsquery))::int" if p.exact is not None else "1",
                       owner="AND i.owner = :owner" if owner is not None else "",
                       after="WHERE (score, creation_timestamp, id) < (:after_score, :after_time, :after_id)" if after else "")
    rows = conn.execute(text(sql), params).all()
    page = rows[:limit]
    ids = [r.id for r in page]
    lines: dict[str, list[dict]] = {i: [] for i in ids}
    for row in conn.execute(_LINES, {"ids": ids, "any": p.any}).all() if ids else ():
        lines[row.image_id].append(dict(index=row.line_index, text=row.text, points=row.points or []))
    sources = ["\n".join(ln["text"] for ln in lines[i][:SNIPPET_LINES]) or None for i in ids]
    snippets = dict(conn.execute(_SNIPPETS, {"ids": ids, "sources": sources, "any": p.any, "text_options": TEXT_HEADLINE,
                                             "lines_options": LINES_HEADLINE}).all()) if ids else {}
    items = []
    for r in page:
        snippet, spans = highlighted(snippets.get(r.id) or "")
        items.append(StoredSearchHit(request_id=r.id, created_at=r.creation_timestamp, owner=r.owner, snippet=snippet,
                                     highlights=spans, score=float(r.score), lines=lines[r.id]))
    last = page[-1] if page else None
    next_cursor = encode_cursor(q, last.score, last.creation_timestamp, last.id) if len(rows) > limit else None
    return StoredSearchResults(items=items, next_cursor=next_cursor)

"""Full-text search on the real PostgreSQL: real receipts of the dev pages, written through the
consumer's handlers, searched through GET /v1/search."""
from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from imagestore_testkit import scalar

from ocr_common.messages import ImageDataMessage, TextCorrectionMessage
from ocr_common.search import MAX_QUERY_LENGTH, MAX_QUERY_TERMS
from ocr_imagestore.cleanup import cleanup
from ocr_imagestore.handlers import Delivery, MessageStore
from ocr_imagestore.main import create_app
from ocr_imagestore.search import QueryError, Term, edit_distance, highlighted, parse_query

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def receipts(evaldata) -> list[list[dict]]:
    """Six receipts of the dev pages, each a list of {points, text} lines."""
    rows = [json.loads(line) for line in (evaldata / "pages" / "manifest.jsonl").open()]
    found = [r["boxes"] for r in rows if r["subset"] == "sroie_receipt"][:6]
    assert len(found) == 6
    return found


@pytest.fixture()
def store(db_settings, engine) -> MessageStore:
    return MessageStore(engine, db_settings.IMAGE_ROOT)


@pytest.fixture()
def client(db_settings, engine):
    with TestClient(create_app(db_settings)) as c:
        yield c


def put(store: MessageStore, lines: list[dict] | list[str], owner: str | None = "alice", created_at: datetime = NOW) -> str:
    """Stores an OCR result with these lines (texts, or {points, text}) like the imageDataQueue consumer does."""
    request_id = str(uuid.uuid4())
    data = []
    for i, line in enumerate(lines):
        points = line["points"] if isinstance(line, dict) else [[10, 20 * i], [300, 20 * i], [300, 20 * i + 16], [10, 20 * i + 16]]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        data.append(dict(index=i, points=points, start_x=min(xs), start_y=min(ys), width=max(xs) - min(xs),
                         height=max(ys) - min(ys), text=line["text"] if isinstance(line, dict) else line, confidence=0.9))
    msg = ImageDataMessage(request_id=request_id, created_at=created_at, width=1000, height=2000,
                           text="\n".join(d["text"] for d in data), lines=data,
                           models=dict(detection="ctpn-test", recognition="crnn-test"), owner=owner)
    assert store.store_image_data(Delivery(body=msg.model_dump_json().encode())).stored
    return request_id


def correct(store: MessageStore, request_id: str, text: str | None = None, lines: list[dict] | None = None,
            owner: str = "alice", at: datetime | None = None) -> None:
    msg = TextCorrectionMessage(request_id=request_id, correction_id=uuid.uuid4(), created_at=at or datetime.now(UTC),
                                text=text, lines=lines, owner=owner)
    assert store.store_text_correction(Delivery(body=msg.model_dump_json().encode())).stored


def search(client: TestClient, q: str, **params) -> dict:
    r = client.get("/v1/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()


def ids(body: dict) -> list[str]:
    return [hit["request_id"] for hit in body["items"]]


def words_only_in(receipts: list[list[dict]], k: int) -> list[str]:
    """Words of 6+ letters of receipt k whose first five letters no other receipt has (so no stem either)."""
    def words(lines):
        return set(re.findall(r"\b[A-Z]{6,}\b", " ".join(ln["text"] for ln in lines).upper()))
    others = {w[:5] for j, r in enumerate(receipts) if j != k for w in words(r)}
    return sorted(w for w in words(receipts[k]) if w[:5] not in others)


def one_wrong(word: str, receipts: list[list[dict]] = ()) -> str:
    """The word with one character misread, as close to the middle as leaves no other word of the
    receipts one edit away (CHARGE misread as CHAQGE could as well be CHANGE)."""
    vocabulary = {w.lower() for r in receipts for ln in r for w in re.findall(r"[A-Za-z0-9]+", ln["text"])} - {word.lower()}
    middle = len(word) // 2
    for i in sorted(range(len(word)), key=lambda i: abs(i - middle)):
        wrong = word[:i] + ("Q" if word[i] != "Q" else "X") + word[i + 1:]
        if all(edit_distance(wrong.lower(), w, 1) > 1 for w in vocabulary):
            return wrong
    raise AssertionError(f"every misreading of {word} is ambiguous")


def marked(hit: dict) -> list[str]:
    return [hit["snippet"][a:b] for a, b in hit["highlights"]]


# ------------------------------------------------------------------------------------ done when ...

def test_a_word_from_one_receipt_finds_that_receipt_first(client, store, receipts):
    stored = [put(store, r) for r in receipts]
    for k, lines in enumerate(receipts):
        word = words_only_in(receipts, k)[0]
        body = search(client, word.lower())
        assert ids(body)[0] == stored[k], word
        hit = body["items"][0]
        assert hit["score"] >= 1.0 and word in [m.upper() for m in marked(hit)]
        holding = {i for i, ln in enumerate(lines) if re.search(rf"\b{word}\b", ln["text"], re.IGNORECASE)}
        assert holding and holding <= {ln["index"] for ln in hit["lines"]}, word
        for ln in hit["lines"]:     # the boxes come back as stored, to draw them over the image
            assert ln["points"] == lines[ln["index"]]["points"] and ln["text"] == lines[ln["index"]]["text"]
        assert all(h["score"] < 1.0 for h in body["items"][1:]), "other receipts match only by near spellings"


def test_a_query_with_one_character_wrong_still_finds_it(client, store, receipts):
    stored = [put(store, r) for r in receipts]
    for k in range(len(receipts)):
        word = words_only_in(receipts, k)[0]
        body = search(client, one_wrong(word, receipts))
        assert ids(body) and ids(body)[0] == stored[k], (word, one_wrong(word, receipts))
        assert word in [m.upper() for m in marked(body["items"][0])], "the snippet marks the word as stored"
    # OCR slips in the query or in the text: T0TAL finds TOTAL, INV0ICE finds INVOICE, and back.
    with_total = {rid for rid, r in zip(stored, receipts, strict=True)
                  if any(re.search(r"\bTOTAL\b", ln["text"]) for ln in r)}
    assert with_total and set(ids(search(client, "T0TAL"))) == with_total
    assert set(ids(search(client, "INV0ICE"))) == set(stored) == set(ids(search(client, "invoice")))
    misread = put(store, ["TAX INV0ICE", "T0TAL 12.00"])
    body = search(client, "invoice")
    assert misread in ids(body)[len(stored):], "exact matches rank above near spellings"
    assert ids(search(client, "T0TAL"))[0] == misread


def test_a_corrected_word_is_found_by_its_correction_and_no_longer_by_its_error(client, store):
    rid = put(store, ["KEDAI RUNCIT", "THANK YOU FOR SHOPPING AT SENT0SA", "TOTAL 5.00"])
    assert ids(search(client, "SENT0SA")) == [rid] and ids(search(client, "SENTOSA")) == [rid]   # the slip is forgiven
    t0 = datetime.now(UTC)
    correct(store, rid, lines=[dict(index=1, text="THANK YOU FOR SHOPPING AT SENTOSA")], at=t0)
    hit = search(client, "sentosa")["items"][0]
    assert hit["request_id"] == rid and hit["score"] >= 1.0
    assert hit["lines"] == [dict(index=1, text="THANK YOU FOR SHOPPING AT SENTOSA", points=hit["lines"][0]["points"])]
    assert ids(search(client, "SENT0SA")) == [], "a person's correction is matched exactly: the error is gone"
    # A newer whole-text correction replaces the whole text; a line correction after it brings the lines back.
    correct(store, rid, text="KEDAI RUNCIT MAKMUR\nTOTAL 5.00", at=t0 + timedelta(seconds=1))
    assert ids(search(client, "makmur")) == [rid] and ids(search(client, "sentosa")) == []
    correct(store, rid, lines=[dict(index=0, text="KEDAI RUNCIT JAYA")], at=t0 + timedelta(seconds=2))
    assert ids(search(client, "makmur")) == [] and ids(search(client, "jaya")) == ids(search(client, "sentosa")) == [rid]


def test_deleted_moved_and_added_lines(client, store):
    """Corrections that move a box, delete a line or add one: the search sees the lines as corrected."""
    rid = put(store, ["KEDAI RUNCIT", "SMUDGE NOT TEXT", "TOTAL 5.00"])
    moved = [[12, 0], [400, 0], [400, 18], [12, 18]]
    added = [[10, 80], [300, 80], [300, 96], [10, 96]]
    correct(store, rid, lines=[dict(index=0, text="KEDAI RUNCIT", points=moved), dict(index=1, deleted=True),
                               dict(index=7, text="CASH 20.00", points=added)])
    assert ids(search(client, "smudge")) == []
    assert search(client, "runcit")["items"][0]["lines"] == [dict(index=0, text="KEDAI RUNCIT", points=moved)]
    assert search(client, "cash")["items"][0]["lines"] == [dict(index=7, text="CASH 20.00", points=added)]
    correct(store, rid, lines=[dict(index=0, text="KEDAI RUNCIT JAYA")])      # a newer text keeps the moved box
    assert search(client, "jaya")["items"][0]["lines"] == [dict(index=0, text="KEDAI RUNCIT JAYA", points=moved)]
    assert ids(search(client, '"runcit jaya total"')) == [rid], "the lines run on, without the deleted one"


def test_another_owners_result_is_never_returned(client, store, receipts):
    alices = [put(store, r, owner="alice") for r in receipts[:3]]
    bobs = [put(store, r, owner="bob") for r in receipts[:3]]
    legacy = put(store, receipts[0], owner=None)
    for q in ("total", "T0TAL", '"tax invoice"', "total -pasaraya", words_only_in(receipts, 0)[0]):
        everyone = set(ids(search(client, q)))
        mine = set(ids(search(client, q, owner="alice")))
        assert mine and mine <= set(alices), q
        assert set(ids(search(client, q, owner="bob"))) <= set(bobs)
        assert mine | set(ids(search(client, q, owner="bob"))) <= everyone
    assert legacy in ids(search(client, "pasaraya"))
    seen, cursor = [], None      # every page of alice's, one hit a page
    while True:
        body = search(client, "total", owner="alice", limit=1, **({"cursor": cursor} if cursor else {}))
        seen += ids(body)
        if not (cursor := body["next_cursor"]):
            break
    assert sorted(seen) == sorted(alices)
    assert ids(search(client, "total", owner="carol")) == []


def test_a_deleted_or_expired_result_is_not_found(client, store, db_settings, engine, receipts):
    old = put(store, receipts[0], created_at=NOW - timedelta(days=10))
    kept = put(store, receipts[1])
    unique = words_only_in(receipts, 0)[0].lower()
    assert ids(search(client, unique)) == [old]
    report = cleanup(engine, timedelta(days=7), image_root=db_settings.IMAGE_ROOT)
    assert report.images == 1 and report.words > 0
    assert ids(search(client, unique)) == [] and ids(search(client, one_wrong(unique, receipts[1:]))) == []
    assert scalar(engine, "SELECT count(*) FROM search_word WHERE word = :w", w=unique) == 0, "its words are forgotten"
    assert ids(search(client, words_only_in(receipts, 1)[0])) == [kept]
    assert scalar(engine, "SELECT count(*) FROM image_box WHERE image_id = :id", id=old) == 0


# ---------------------------------------------------------------------------------- query syntax

def test_phrases_and_exclusions(client, store):
    a = put(store, ["TAX INVOICE", "CASH 20.00"])
    b = put(store, ["INVOICE TAX", "CARD 20.00"])
    c = put(store, ["TAX", "INVOICE"])           # a phrase may run on over a line break, as the text reads
    assert set(ids(search(client, '"tax invoice"'))) == {a, c}
    assert set(ids(search(client, "invoice -cash"))) == {b, c}
    assert set(ids(search(client, 'tax -"tax invoice"'))) == {b}
    assert set(ids(search(client, "invoices"))) == {a, b, c}, "English stemming"
    lines = {h["request_id"]: [ln["index"] for ln in h["lines"]] for h in search(client, '"tax invoice"')["items"]}
    assert lines == {a: [0], c: []}, "a matching line holds the whole phrase"


@pytest.mark.parametrize(("params", "code"), [
    ({}, "invalid_request"),
    ({"q": ""}, "invalid_request"),
    ({"q": "x" * (MAX_QUERY_LENGTH + 1)}, "invalid_request"),
    ({"q": "total\x00"}, "invalid_request"),
    ({"q": "total", "limit": 0}, "invalid_request"),
    ({"q": "total", "limit": 101}, "invalid_request"),
    ({"q": '"tax invoice'}, "invalid_query"),
    ({"q": "-cash"}, "invalid_query"),
    ({"q": "the of and"}, "invalid_query"),
    ({"q": "&|!:*() <-> '"}, "invalid_query"),
    ({"q": " ".join(["w"] * (MAX_QUERY_TERMS + 1))}, "invalid_query"),
    ({"q": "total", "cursor": "not-a-cursor"}, "invalid_cursor"),
])
def test_malformed_or_huge_queries_are_422_json(client, params, code):
    r = client.get("/v1/search", params=params)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/json"), r.text
    assert r.json()["error"] == code


@pytest.mark.parametrize("key", [
    ["1E+999999", "2026-01-01T00:00:00+00:00", "x"],       # a numeric PostgreSQL cannot hold
    ["NaN", "2026-01-01T00:00:00+00:00", "x"],
    ["1.0", "0001-01-01T00:00:00+01:00", "x"],             # before year 1 in UTC
    ["1.0", "2026-01-01T00:00:00+00:00", "\ud800"],       # not encodable
    ["1.0", "2026-01-01T00:00:00+00:00", "x" * 37],
    {"score": 1},
])
def test_made_up_cursors_are_422_not_500(client, key):
    cursor = base64.urlsafe_b64encode(json.dumps(key if isinstance(key, dict) else [*key, "fingerprint"]).encode()).decode()
    r = client.get("/v1/search", params={"q": "total", "cursor": cursor})
    assert (r.status_code, r.json()["error"]) == (422, "invalid_cursor"), r.text


def test_pages_follow_the_cursor_and_belong_to_their_query(client, store, receipts):
    stored = {put(store, r) for r in receipts}
    first = search(client, "total", limit=2)
    pages, cursor, scores = [first], first["next_cursor"], []
    while cursor:
        pages.append(search(client, "total", limit=2, cursor=cursor))
        cursor = pages[-1]["next_cursor"]
    found = [h for p in pages for h in p["items"]]
    assert {h["request_id"] for h in found} == stored and len(found) == len(stored)
    scores = [h["score"] for h in found]
    assert scores == sorted(scores, reverse=True)
    r = client.get("/v1/search", params={"q": "cash", "cursor": first["next_cursor"]})
    assert (r.status_code, r.json()["error"]) == (422, "invalid_cursor")


def test_odd_characters_are_words_not_syntax(client, store):
    rid = put(store, ["O'BRIEN & SONS (M) SDN. BHD.", "TOTAL: RM 8.20"])
    for q in ("o'brien", "sons & (m)", "8.20", "total:", "'; DROP TABLE image; --", "\\'", "rm*"):
        r = client.get("/v1/search", params={"q": q})
        assert r.status_code in (200, 422), (q, r.text)
    assert ids(search(client, "o'brien")) == [rid] and ids(search(client, "8.20")) == [rid]
    assert scalar(client.app.state.engine, "SELECT count(*) FROM image") == 1


# ------------------------------------------------------------------------------------------- units

def test_parse_query():
    assert parse_query('Total "tax  invoice" -cash -"gst summary" 8.20') == [
        Term("total"), Term("tax invoice", phrase=True), Term("cash", excluded=True),
        Term("gst summary", phrase=True, excluded=True), Term("8.20")]
    assert [t.fuzzy for t in parse_query("T0TAL tax 8.20 wall's")] == [True, False, False, False]
    for bad in ('"open', "-only", "- -", '""'):
        with pytest.raises(QueryError):
            parse_query(bad)


def test_edit_distance_and_snippet_marks():
    assert edit_distance("t0tal", "total", 1) == 1 and edit_distance("total", "total", 1) == 0
    assert edit_distance("invoice", "inv0lce", 1) == 2 and edit_distance("cash", "cashier", 2) == 3
    assert highlighted("A \x02TOTAL\x03\nCASH") == ("A TOTAL · CASH", [(2, 7)])

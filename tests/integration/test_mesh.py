"""End to end through the running services, with the real PostgreSQL, RabbitMQ and committed models."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pika
import pytest
import sqlalchemy as sa

from ocrmesh.paths import default_evaldata

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from reliability.harness import store_outcomes, stored_twice, wait_until  # noqa: E402

EVAL = default_evaldata()
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def page_bytes(evaldata) -> bytes:
    return (evaldata / "pages" / "sroie" / "399.png").read_bytes()


@pytest.fixture(scope="module")
def small_bytes(evaldata) -> bytes:
    """A small real image (one receipt line), for tests that send many uploads."""
    return (evaldata / "lines" / "sroie" / "133_002.png").read_bytes()


def upload(mesh, data: bytes, path="/v1/ocr") -> httpx.Response:
    return httpx.post(f"{mesh.url('gateway')}{path}", files={"image": ("page.png", data, "image/png")}, timeout=120)


def stored(db, request_id: str):
    with db.connect() as conn:
        row = conn.execute(sa.text("SELECT path, width, text FROM image WHERE id = :i"), {"i": request_id}).first()
        boxes = conn.execute(sa.text("SELECT count(*) FROM image_box WHERE image_id = :i"), {"i": request_id}).scalar()
    return row, boxes


def fully_stored(mesh, db, request_id: str, n_lines: int) -> bool:
    row, boxes = stored(db, request_id)
    return bool(row and row.path and row.text is not None and boxes == n_lines and (mesh.image_root / row.path).exists())


@pytest.fixture(scope="module")
def first_result(mesh, page_bytes):
    r = upload(mesh, page_bytes)
    assert r.status_code == 200, r.text
    return r


def test_upload_answers_lines_and_is_stored_with_its_file(mesh, db, first_result, page_bytes):
    body = first_result.json()
    assert body["lines"] and body["text"] == "\n".join(ln["text"] for ln in body["lines"])
    assert all(len(ln["points"]) == 4 and 0 <= ln["confidence"] <= 1 for ln in body["lines"])
    assert first_result.headers["x-trace-id"] == body["trace_id"]
    rid = body["request_id"]
    wait_until(lambda: fully_stored(mesh, db, rid, len(body["lines"])), 30)
    row, _ = stored(db, rid)
    assert (mesh.image_root / row.path).read_bytes() == page_bytes
    assert row.width == body["width"]


def test_correction_lands_in_text_correction_and_comes_back(mesh, db, first_result, page_bytes):
    rid = first_result.json()["request_id"]
    r = httpx.post(f"{mesh.url('gateway')}/v1/ocr/{rid}/corrections", json={"lines": [{"index": 0, "text": "CORRECTED"}]})
    assert r.status_code == 202
    wait_until(lambda: db.connect().execute(
        sa.text("SELECT value FROM text_correction WHERE image_id = :i AND line_index = 0"), {"i": rid}).scalar())
    stored_result = httpx.get(f"{mesh.url('gateway')}/v1/ocr/{rid}").json()
    assert [c["text"] for c in stored_result["corrections"]] == ["CORRECTED"]
    assert [ln["text"] for ln in stored_result["lines"]] == [ln["text"] for ln in first_result.json()["lines"]]
    assert httpx.get(f"{mesh.url('gateway')}/v1/ocr/{rid}/image").content == page_bytes
    listed = httpx.get(f"{mesh.url('gateway')}/v1/ocr").json()["items"]
    assert rid in [i["request_id"] for i in listed]


def test_one_trace_covers_gateway_models_queue_and_store(mesh, first_result):
    trace_id = first_result.json()["trace_id"]

    def services_seen():
        spans = [s for s in mesh.spans.spans if s["trace_id"] == trace_id]
        names = {s["service"] for s in spans}
        publish = any("publish" in s["name"] for s in spans)
        consume = any(s["service"] == "image-store" for s in spans)
        return spans if {"gateway", "detection", "recognition", "image-store"} <= names and publish and consume else None

    spans = wait_until(services_seen, 30)
    assert any(s["service"] == "gateway" and "POST" in s["name"] for s in spans)


def outbox_rows(db) -> int:
    """Messages waiting in the gateway's outbox (its PostgreSQL schema, in the mesh's database)."""
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM gateway.outbox")).scalar_one()


def test_broker_killed_mid_publish_loses_nothing(mesh, db, small_bytes):
    # SIGKILL of the mesh's own RabbitMQ node while uploads are being published, then more uploads while
    # it is down; started again on its data, it gets every message from the gateway's outbox.
    with ThreadPoolExecutor(4) as pool:
        first = list(pool.map(lambda _: upload(mesh, small_bytes), range(4)))
        mesh.broker.kill()
    try:
        answers = first + [upload(mesh, small_bytes) for _ in range(4)]
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]  # OCR goes on without the broker
        assert outbox_rows(db) >= 8  # at least image + data of the uploads made while it was down wait
    finally:
        mesh.broker.start()
    for a in answers:
        body = a.json()
        wait_until(lambda b=body: fully_stored(mesh, db, b["request_id"], len(b["lines"])), 60)
    wait_until(lambda: outbox_rows(db) == 0, 30)
    ids = [a.json()["request_id"] for a in answers]
    assert stored_files(mesh, db, ids) == {i: small_bytes for i in ids}
    outcomes = store_outcomes(mesh.logs / "image-store.log")
    assert all(outcomes[(q, i, "stored")] == 1 for i in ids for q in (mesh.queues["IMAGE_QUEUE"], mesh.queues["IMAGE_DATA_QUEUE"]))


def stored_files(mesh, db, ids) -> dict[str, bytes]:
    """request_id -> the bytes of its stored file."""
    with db.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, path FROM image WHERE id = ANY(:ids)"), {"ids": ids}).all()
    return {r.id: (mesh.image_root / r.path).read_bytes() for r in rows if r.path}


def test_image_store_killed_mid_stream_loses_and_duplicates_nothing(mesh, db, small_bytes):
    answers = [upload(mesh, small_bytes) for _ in range(3)]
    mesh.kill("image-store")
    answers += [upload(mesh, small_bytes) for _ in range(3)]
    mesh.start("image-store")
    answers += [upload(mesh, small_bytes) for _ in range(2)]
    ids = [a.json()["request_id"] for a in answers]
    for a in answers:
        body = a.json()
        wait_until(lambda b=body: fully_stored(mesh, db, b["request_id"], len(b["lines"])), 60)
    with db.connect() as conn:
        boxes = dict(conn.execute(sa.text("SELECT image_id, count(*) FROM image_box WHERE image_id = ANY(:ids) "
                                          "GROUP BY image_id"), {"ids": ids}).all())
    assert all(boxes.get(a.json()["request_id"], 0) == len(a.json()["lines"]) for a in answers)
    assert stored_files(mesh, db, ids) == {i: small_bytes for i in ids}   # each file is the upload, byte for byte
    # Deliveries, from the image-store's log: a message redelivered after the kill must be recognised as a
    # duplicate, never stored a second time; and every message of every upload was handled.
    outcomes = store_outcomes(mesh.logs / "image-store.log")
    assert stored_twice(outcomes, ids) == [], outcomes
    for rid in ids:
        for queue in (mesh.queues["IMAGE_QUEUE"], mesh.queues["IMAGE_DATA_QUEUE"]):
            assert outcomes[(queue, rid, "stored")] + outcomes[(queue, rid, "duplicate")] >= 1, (queue, rid)


def test_poison_message_goes_to_its_dead_letter_queue(mesh):
    queue = mesh.queues["IMAGE_DATA_QUEUE"]
    conn = pika.BlockingConnection(pika.URLParameters(mesh.broker.url))
    ch = conn.channel()
    ch.basic_publish("", queue, b"{not json", pika.BasicProperties(headers={"request_id": "x"}, delivery_mode=2))

    def dead_lettered():
        return ch.queue_declare(f"{queue}.dlq", passive=True).method.message_count >= 1

    wait_until(dead_lettered, 30)
    conn.close()


def test_original_endpoints_keep_their_contract(mesh, db, page_bytes):
    r = upload(mesh, page_bytes, "/read")
    assert r.status_code == 200 and set(r.json()) == {"id", "text"}
    assert " " in r.json()["text"]  # words keep their spaces
    assert httpx.post(f"{mesh.url('gateway')}/correct-text", json={"id": r.json()["id"], "text": "all new"}).status_code == 202
    wait_until(lambda: db.connect().execute(sa.text("SELECT value FROM text_correction WHERE image_id = :i"),
                                            {"i": r.json()["id"]}).scalar() == "all new")
    missing = httpx.post(f"{mesh.url('gateway')}/read", files={"file": ("x.png", page_bytes, "image/png")})
    assert missing.status_code == 400 and "timestamp" in missing.json()


def test_cleanup_removes_exactly_what_is_older_than_the_limit(mesh, db, small_bytes):
    old, new = (upload(mesh, small_bytes).json() for _ in range(2))
    for b in (old, new):
        wait_until(lambda b=b: fully_stored(mesh, db, b["request_id"], len(b["lines"])), 30)
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE image SET creation_timestamp = now() - interval '8 days' WHERE id = :i"),
                     {"i": old["request_id"]})
        old_path = conn.execute(sa.text("SELECT path FROM image WHERE id = :i"), {"i": old["request_id"]}).scalar()
    env = dict(os.environ, DATABASE_URL=mesh.database_url, IMAGE_ROOT=str(mesh.image_root))
    out = subprocess.run([sys.executable, "-m", "ocrmesh", "cleanup", "--older-than", "7d"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert stored(db, old["request_id"])[0] is None and not (mesh.image_root / old_path).exists()
    assert fully_stored(mesh, db, new["request_id"], len(new["lines"]))
    assert json.loads(out.stdout)["images"] >= 1

"""Corrections that can teach, with the real PostgreSQL and RabbitMQ: text and boxes go from the gateway
through the queue into the image-store and out through `ocrmesh corrections export`, and only the
owners who opted in are exported."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ocr_common.messages import ImageDataMessage, ImageMessageHeaders, TextCorrectionMessage
from ocr_imagestore.config import Settings as StoreSettings
from ocr_imagestore.handlers import Delivery, MessageStore
from ocr_imagestore.main import create_app as create_store
from ocr_models.checkpoint import load_checkpoint
from ocrmesh.__main__ import main
from ocrmesh.corrections import export

from .test_mesh import upload, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def receipt(evaldata) -> bytes:
    return (evaldata / "pages" / "sroie" / "399.png").read_bytes()


def _manifest(out) -> list[dict]:
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]


def test_corrected_text_and_boxes_reach_the_store_and_the_export(mesh, receipt, tmp_path):
    r = upload(mesh, receipt)
    assert r.status_code == 200, r.text
    rid, lines = r.json()["request_id"], r.json()["lines"]
    assert len(lines) >= 4
    store = httpx.Client(base_url=mesh.url("image-store"), timeout=30)
    wait_until(lambda: store.get(f"/v1/images/{rid}").json().get("file_available"), timeout=60)

    moved = [[x + 3, y - 2] for x, y in lines[0]["points"]]
    added = [[10, 10], [60, 10], [60, 30], [10, 30]]
    gateway = f"{mesh.url('gateway')}/v1/ocr/{rid}/corrections"
    # The whole text first (line 2 rewritten, its break kept), then line edits: moved, deleted, added.
    whole = [ln["text"] for ln in lines]
    whole[2] = "WHOLE TEXT FIX"
    assert httpx.post(gateway, json={"text": "\n".join(whole)}).status_code == 202
    wait_until(lambda: len(store.get(f"/v1/images/{rid}").json()["corrections"]) == 1)
    body = {"lines": [{"index": 0, "text": "FIRST LINE", "points": moved}, {"index": 1, "deleted": True},
                      {"index": len(lines), "text": "ADDED", "points": added}]}
    assert httpx.post(gateway, json=body).status_code == 202
    stored = wait_until(lambda: (d := store.get(f"/v1/images/{rid}").json()) and len(d["corrections"]) == 4 and d)
    by_line = {c["line_index"]: c for c in stored["corrections"]}
    assert by_line[0]["points"] == moved and by_line[1]["deleted"] and by_line[len(lines)]["text"] == "ADDED"

    out = tmp_path / "export"
    assert main(["corrections", "export", "--out", str(out), "--imagestore-url", mesh.url("image-store")]) == 0
    row = next(r for r in _manifest(out) if r["source"] == f"ocrmesh:{rid}")
    assert row["boxes"][0] == {"points": moved, "text": "FIRST LINE"}
    assert all(b["points"] != lines[1]["points"] for b in row["boxes"])     # the deleted line is gone
    assert {"points": lines[2]["points"], "text": "WHOLE TEXT FIX"} in row["boxes"]   # aligned to its line
    assert {"points": added, "text": "ADDED"} in row["boxes"]
    assert len(row["boxes"]) == len(lines)                                   # one deleted, one added
    assert (out / row["image"]).read_bytes() == receipt


def _put(store: MessageStore, owner: str, corrected: bool, png: bytes) -> str:
    rid, now = uuid.uuid4(), datetime.now(UTC)
    headers = ImageMessageHeaders(request_id=rid, created_at=now, content_type="image/png", owner=owner)
    store.store_image(Delivery(body=png, headers=headers.to_amqp()))
    line = dict(index=0, points=[[0, 0], [40, 0], [40, 12], [0, 12]], start_x=0, start_y=0, width=40, height=12,
                text="T0TAL", confidence=0.6)
    store.store_image_data(Delivery(body=ImageDataMessage(
        request_id=rid, created_at=now, width=40, height=12, text="T0TAL", lines=[line],
        models=dict(detection="d", recognition="r"), owner=owner).model_dump_json().encode()))
    if corrected:
        store.store_text_correction(Delivery(body=TextCorrectionMessage(
            request_id=rid, correction_id=uuid.uuid4(), created_at=now, owner=owner,
            lines=[dict(index=0, text="TOTAL")]).model_dump_json().encode()))
    return str(rid)


def test_only_owners_who_opted_in_are_exported(database, tmp_path, receipt):
    settings = StoreSettings(DATABASE_URL=database, RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                             IMAGE_ROOT=tmp_path / "images", CONSUMER_ENABLED=False, TRAINING_OWNERS="ann, cy")
    app = create_store(settings)
    with TestClient(app) as client:
        store = MessageStore(app.state.engine, settings.IMAGE_ROOT)
        ann = _put(store, "ann", corrected=True, png=receipt)
        _put(store, "ann", corrected=False, png=receipt)       # nothing corrected: nothing to teach
        _put(store, "bob", corrected=True, png=receipt)        # bob did not opt in
        written, skipped = export(client, tmp_path / "out", {})
        assert (written, skipped) == (1, 0)
        [row] = _manifest(tmp_path / "out")
        assert row["source"] == f"ocrmesh:{ann}" and row["owner"] == "ann" and row["boxes"][0]["text"] == "TOTAL"

        # A correction without a box stores SQL NULL (not JSON null), so "has a corrected box" is one IS NOT NULL.
        with app.state.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM text_correction WHERE points IS NULL")).scalar() == 2

        # Nobody opted in (the chart's default): nothing at all.
        settings.TRAINING_OWNERS = ""
        assert client.get("/v1/images", params={"training": "true"}).json()["items"] == []

    # The exported set is training data as it is: a tiny recognizer and a tiny detector fine-tune on it.
    manifest = str(tmp_path / "out" / "manifest.jsonl")
    tiny_recognizer = ["--channels", "8,16,16,32,32", "--rnn-hidden", "16", "--val-lines", "0", "--batch-size", "2"]
    tiny_detector = ["--sizes", "128x128", "--channels", "8,8,8,8", "--depths", "1,1,1,1", "--dilations", "1",
                     "--rnn-hidden", "8", "--fc", "16", "--val-pages", "0", "--batch-size", "1"]
    for kind, tiny in (("recognizer", tiny_recognizer), ("detector", tiny_detector)):
        out = tmp_path / kind
        assert main(["train", kind, "--out", str(out), "--steps", "4", "--eval-every", "4", "--workers", "0",
                     "--real-fraction", "1", "--data", manifest, *tiny]) == 0
        assert load_checkpoint(out / f"{kind}.pt")["training"]["data"] == ["synthetic", manifest]

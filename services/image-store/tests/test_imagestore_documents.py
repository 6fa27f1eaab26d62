"""Documents in the image-store (real PostgreSQL): the original PDF, its pages, each line's page and words; retention
deletes all of it."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from imagestore_testkit import counts

from ocr_common.messages import ImageDataMessage
from ocr_imagestore.cleanup import cleanup
from ocr_imagestore.handlers import Delivery, MessageStore
from ocr_imagestore.main import create_app

PDF = b"%PDF-1.4\n% a stand-in: the image-store sniffs the type and keeps the bytes as they are\n%%EOF\n"


def document_message(request_id: str, created_at: datetime) -> ImageDataMessage:
    lines = []
    for page in (1, 2, 3):
        quad = [[100, 100], [500, 100], [500, 140], [100, 140]]
        words = [{"points": [[100, 100], [280, 100], [280, 140], [100, 140]], "text": "page", "confidence": 0.95},
                 {"points": [[320, 100], [500, 100], [500, 140], [320, 140]], "text": str(page), "confidence": 0.9}]
        lines.append(dict(index=page - 1, points=quad, start_x=100, start_y=100, width=400, height=40,
                          text=f"page {page}", confidence=0.92, page=page, words=words))
    return ImageDataMessage(request_id=request_id, created_at=created_at, width=1654, height=2339,
                            text="page 1\fpage 2\fpage 3", lines=lines,
                            pages=[dict(page=n, width=1654, height=2339, dpi=200, rotation=90 if n == 2 else 0) for n in (1, 2, 3)],
                            models=dict(detection="ctpn-test", recognition="crnn-test"), owner="alice")


def put_document(store: MessageStore, created_at: datetime) -> str:
    rid = str(uuid.uuid4())
    store.store_image(Delivery(body=PDF, headers={"request_id": rid, "created_at": created_at.isoformat()}))
    store.store_image_data(Delivery(body=document_message(rid, created_at).model_dump_json().encode()))
    return rid


def test_a_document_keeps_its_pdf_pages_and_words(db_settings, engine):
    store = MessageStore(engine, db_settings.IMAGE_ROOT)
    rid = put_document(store, datetime.now(UTC))
    with TestClient(create_app(db_settings)) as client:
        body = client.get(f"/v1/images/{rid}").json()
        file = client.get(f"/v1/images/{rid}/file")
    assert body["pages"] == [{"page": n, "width": 1654, "height": 2339, "dpi": 200.0, "rotation": 90 if n == 2 else 0}
                             for n in (1, 2, 3)]   # the second page lay sideways
    assert [(ln["index"], ln["page"]) for ln in body["lines"]] == [(0, 1), (1, 2), (2, 3)]
    assert [w["text"] for w in body["lines"][2]["words"]] == ["page", "3"]
    assert body["lines"][2]["words"][1]["points"][0] == [320, 100]
    assert body["content_type"] == "application/pdf" and body["text"] == "page 1\fpage 2\fpage 3"
    assert file.status_code == 200 and file.headers["content-type"] == "application/pdf" and file.content == PDF


def test_retention_deletes_the_document_its_lines_and_its_file(db_settings, engine):
    store = MessageStore(engine, db_settings.IMAGE_ROOT)
    old = datetime.now(UTC) - timedelta(days=10)
    rid = put_document(store, old)
    pdf_path = db_settings.IMAGE_ROOT / old.strftime("%Y-%m-%d") / f"{rid}.pdf"
    assert pdf_path.is_file()
    before = counts(engine)
    report = cleanup(engine, timedelta(days=7), image_root=db_settings.IMAGE_ROOT)
    assert report.images >= 1
    assert not pdf_path.exists()
    after = counts(engine)
    assert after["image_box"] == before["image_box"] - 3
    with TestClient(create_app(db_settings)) as client:
        assert client.get(f"/v1/images/{rid}").status_code == 404


@pytest.mark.parametrize("pages", [None, []])
def test_an_image_has_no_pages(db_settings, engine, pages):
    store = MessageStore(engine, db_settings.IMAGE_ROOT)
    rid = str(uuid.uuid4())
    msg = document_message(rid, datetime.now(UTC)).model_copy(update={"pages": pages})
    store.store_image_data(Delivery(body=msg.model_dump_json().encode()))
    with TestClient(create_app(db_settings)) as client:
        assert client.get(f"/v1/images/{rid}").json()["pages"] is None

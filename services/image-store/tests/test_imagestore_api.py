"""The read API on the real database, and end to end from the queues."""
from __future__ import annotations

import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from imagestore_testkit import CREATED, correction_message, data_message, image_bytes, wait_for

from ocr_imagestore.config import Settings
from ocr_imagestore.handlers import Delivery, MessageStore
from ocr_imagestore.main import create_app


@pytest.fixture()
def client(db_settings, engine):
    with TestClient(create_app(db_settings)) as c:
        yield c


@pytest.fixture()
def store(db_settings, engine) -> MessageStore:
    """Writes through the consumer's handlers, without the broker."""
    return MessageStore(engine, db_settings.IMAGE_ROOT)


def put_image(store: MessageStore, request_id: str, created_at=CREATED, fmt: str = "PNG") -> bytes:
    body = image_bytes(fmt)
    store.store_image(Delivery(body=body, headers={"request_id": request_id, "created_at": created_at.isoformat()}))
    return body


def put_data(store: MessageStore, request_id: str, created_at=CREATED, owner: str | None = "alice") -> None:
    store.store_image_data(Delivery(body=data_message(request_id, created_at, owner=owner).model_dump_json().encode()))


def assert_json_error(r, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == code


def test_end_to_end_from_the_queues(settings, engine, publisher):
    request_id, png = str(uuid.uuid4()), image_bytes("PNG", seed=5)
    with TestClient(create_app(settings.model_copy(update={"CONSUMER_ENABLED": True}))) as client:
        publisher.image(request_id, png)
        publisher.data(data_message(request_id, n_lines=2))
        publisher.correction(correction_message(request_id))
        body = wait_for(lambda: (r := client.get(f"/v1/images/{request_id}")).status_code == 200
                        and len(r.json()["corrections"]) == 2 and r.json()["file_available"]
                        and r.json()["data_available"] and r.json(), what="the image through the API")
        file = client.get(f"/v1/images/{request_id}/file")
    assert body["id"] == request_id and body["created_at"] == "2026-03-14T23:59:30Z"
    assert (body["width"], body["height"], body["text"], body["owner"]) == (64, 30, "line 0 line 1", "alice")
    assert body["models"] == {"detection": "ctpn-test", "recognition": "crnn-test"}
    assert body["file_url"] == f"/v1/images/{request_id}/file" and body["file_size"] == len(png)
    assert [ln["index"] for ln in body["lines"]] == [0, 1]
    assert body["lines"][1] == {"index": 1, "points": [[2, 10], [50, 10], [50, 18], [2, 18]], "text": "line 1",
                                "confidence": pytest.approx(0.89), "start_x": 2, "start_y": 10, "width": 48, "height": 8,
                                "page": 1, "words": None}
    assert {(c["line_index"], c["text"]) for c in body["corrections"]} == {(None, "corrected text"), (0, "line zero")}
    assert file.status_code == 200 and file.headers["content-type"] == "image/png" and file.content == png


def test_health_and_readiness(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": True}


def test_unknown_and_malformed_ids(client, store):
    unknown = str(uuid.uuid4())
    assert_json_error(client.get(f"/v1/images/{unknown}"), 404, "not_found")
    assert_json_error(client.get(f"/v1/images/{unknown}/file"), 404, "not_found")
    for bad in ("not-a-uuid", "1234", "' OR 1=1 --", "a" * 300):
        assert_json_error(client.get(f"/v1/images/{bad}"), 422, "invalid_request")
        assert_json_error(client.get(f"/v1/images/{bad}/file"), 422, "invalid_request")
    assert_json_error(client.get("/v1/images/../../etc/passwd"), 404, "not_found")


def test_data_without_file_and_file_content_types(client, store, db_settings):
    only_data, jpeg = str(uuid.uuid4()), str(uuid.uuid4())
    put_data(store, only_data)
    body = client.get(f"/v1/images/{only_data}").json()
    assert body["data_available"] and not body["file_available"] and body["file_url"] is None
    assert_json_error(client.get(f"/v1/images/{only_data}/file"), 404, "file_not_found")

    content = put_image(store, jpeg, fmt="JPEG")
    r = client.get(f"/v1/images/{jpeg.upper()}/file")      # ids are UUIDs: any spelling finds the image
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg" and r.content == content
    head = client.head(f"/v1/images/{jpeg}/file")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(content)) and head.content == b""
    detail = client.get(f"/v1/images/{jpeg}").json()
    assert detail["file_available"] and not detail["data_available"] and detail["lines"] == []

    (db_settings.IMAGE_ROOT / f"2026-03-14/{jpeg}.jpg").unlink()    # removed behind the service's back
    assert_json_error(client.get(f"/v1/images/{jpeg}/file"), 404, "file_not_found")
    assert client.get(f"/v1/images/{jpeg}").json()["file_available"] is False


def test_listing_is_newest_first_and_paged(client, store):
    ids = [str(uuid.uuid4()) for _ in range(7)]
    for i, request_id in enumerate(ids):       # ids[6] is the newest; two share a created_at
        created = CREATED + timedelta(minutes=min(i, 5))
        put_data(store, request_id, created, owner="bob" if i % 2 else "alice")
    expected = sorted(ids, key=lambda x: (min(ids.index(x), 5), x), reverse=True)

    seen, cursor, pages = [], None, 0
    while True:
        r = client.get("/v1/images", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and pages == 3

    since = client.get("/v1/images", params={"since": (CREATED + timedelta(minutes=4)).isoformat()}).json()
    assert [i["id"] for i in since["items"]] == expected[:3] and since["next_cursor"] is None
    naive = client.get("/v1/images", params={"since": "2026-03-15T00:03:30"}).json()   # naive = UTC
    assert [i["id"] for i in naive["items"]] == expected[:3]
    bob = client.get("/v1/images", params={"owner": "bob"}).json()["items"]
    assert {i["id"] for i in bob} == {ids[1], ids[3], ids[5]} and all(i["owner"] == "bob" for i in bob)
    assert client.get("/v1/images", params={"owner": "nobody"}).json() == {"items": [], "next_cursor": None}
    item = client.get("/v1/images", params={"limit": 1}).json()["items"][0]
    assert set(item) == {"id", "created_at", "owner", "width", "height", "text", "content_type", "file_available",
                         "data_available"}


def test_listing_rejects_bad_parameters(client):
    for params in ({"limit": 0}, {"limit": 201}, {"since": "yesterday"}, {"limit": "x"}):
        assert_json_error(client.get("/v1/images", params=params), 422, "invalid_request")
    for cursor in ("garbage!", "eyJ4IjogMX0", "W10"):
        assert_json_error(client.get("/v1/images", params={"cursor": cursor}), 422, "invalid_cursor")


def test_database_down_gives_503_not_500(db_settings, database_url):
    missing = database_url.rsplit("/", 1)[0] + "/ocrmesh_test_does_not_exist"
    app = create_app(db_settings.model_copy(update={"DATABASE_URL": missing, "MIGRATE_ON_START": False}))
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"] == {"database": False}
        assert_json_error(client.get(f"/v1/images/{uuid.uuid4()}"), 503, "database_unavailable")
        assert_json_error(client.get("/v1/images"), 503, "database_unavailable")


@pytest.fixture()
def hanging_database():
    """A PostgreSQL URL whose server accepts the connection and never answers (a database hung or cut off)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"postgresql+psycopg2://postgres@127.0.0.1:{server.getsockname()[1]}/ocrmesh"
    server.close()


def test_readiness_does_not_block_during_a_database_outage(hanging_database, tmp_path):
    """The check runs off the event loop with a short timeout: /readyz answers, and so does everything else."""
    settings = Settings(DATABASE_URL=hanging_database, RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        IMAGE_ROOT=tmp_path, DB_CONNECT_TIMEOUT=6, READY_DB_TIMEOUT=0.5, CONSUMER_ENABLED=False,
                        MIGRATE_ON_START=False)
    with TestClient(create_app(settings)) as client, ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        ready = pool.submit(client.get, "/readyz")
        time.sleep(0.2)
        assert client.get("/healthz").status_code == 200 and time.monotonic() - started < 3   # not after the connect timeout
        ready = ready.result()
        assert time.monotonic() - started < 3
        assert ready.status_code == 503 and ready.json()["checks"] == {"database": False}
        # A second probe while the first check still hangs starts no second one.
        assert client.get("/readyz").status_code == 503


def test_readiness_reports_the_consumer_thread(hanging_database, tmp_path):
    settings = Settings(DATABASE_URL=hanging_database, RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        IMAGE_ROOT=tmp_path, DB_CONNECT_TIMEOUT=1, READY_DB_TIMEOUT=0.2, CONSUMER_ENABLED=True,
                        MIGRATE_ON_START=False, RETRY_BACKOFF_MAX=0.5)
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["checks"]["consumer"] is True   # running, reconnecting to the broker
        app.state.consumer.stop(5)
        assert client.get("/readyz").json()["checks"]["consumer"] is False


def test_openapi_documents_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/images", "/v1/images/{image_id}", "/v1/images/{image_id}/file", "/healthz", "/readyz"} <= set(paths)


def test_listing_refuses_nul_and_accepts_any_utc_offset(client):
    import base64
    import json

    assert client.get("/v1/images", params={"owner": "a\x00b"}).status_code == 422
    bad_cursor = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+00:00", "x\x00"]).encode()).decode()
    assert client.get("/v1/images", params={"cursor": bad_cursor}).status_code == 422
    r = client.get("/v1/images", params={"since": "2026-01-01T00:00:00+23:30"})
    assert r.status_code == 200, r.text


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(client, db_settings):
    limit = db_settings.MAX_REQUEST_BYTES
    r = client.request("GET", "/v1/images", content=b"x" * (limit + 1))
    assert_json_error(r, 413, "request_too_large")
    assert str(limit) in r.json()["detail"]
    assert client.request("GET", "/v1/images", content=b"x" * 100).status_code == 200

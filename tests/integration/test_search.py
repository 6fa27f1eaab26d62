"""Search through the gateway with authentication on, over the real image-store and PostgreSQL (both
apps in this process): nobody finds another owner's text, whatever they search for."""
from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from ocr_gateway.config import Settings as GatewaySettings
from ocr_gateway.main import create_app as create_gateway

from ocr_common.messages import ImageDataMessage, TextCorrectionMessage
from ocr_imagestore.config import Settings as StoreSettings
from ocr_imagestore.handlers import Delivery, MessageStore
from ocr_imagestore.main import create_app as create_store

pytestmark = pytest.mark.integration
SECRET, ISSUER, AUDIENCE = secrets.token_hex(32), "https://id.ocrmesh.test/", "ocrmesh"


def bearer(sub: str) -> dict:
    claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


def put(store: MessageStore, owner: str | None, lines: list[str]) -> str:
    rid = uuid.uuid4()
    data = [dict(index=i, points=[[0, 20 * i], [200, 20 * i], [200, 20 * i + 16], [0, 20 * i + 16]], start_x=0,
                 start_y=20 * i, width=200, height=16, text=t, confidence=0.9) for i, t in enumerate(lines)]
    msg = ImageDataMessage(request_id=rid, created_at=datetime.now(UTC), width=200, height=200, text="\n".join(lines),
                           lines=data, models=dict(detection="d", recognition="r"), owner=owner)
    store.store_image_data(Delivery(body=msg.model_dump_json().encode()))
    return str(rid)


@pytest.fixture()
def mesh(database, tmp_path):
    """(gateway client with auth on, gateway client with auth off, message store) over one database."""
    store_settings = StoreSettings(DATABASE_URL=database, RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                                   IMAGE_ROOT=tmp_path / "images", CONSUMER_ENABLED=False)
    store_app = create_store(store_settings)
    common = dict(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition", IMAGESTORE_URL="http://image-store",
                  RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F", DATABASE_URL=database)
    secured = create_gateway(GatewaySettings(**common, AUTH_ENABLED=True,
                                             JWT_SECRET=SECRET, JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE))
    open_ = create_gateway(GatewaySettings(**common))
    with TestClient(store_app), TestClient(secured) as on, TestClient(open_) as off:
        for app in (secured, open_):
            app.state.services.imagestore.http = httpx.AsyncClient(base_url="http://image-store",
                                                                   transport=httpx.ASGITransport(store_app))
        yield on, off, MessageStore(store_app.state.engine, store_settings.IMAGE_ROOT)


def found(client: TestClient, q: str, headers: dict | None = None) -> set[str]:
    r = client.get("/v1/search", params={"q": q, "limit": 100}, headers=headers or {})
    assert r.status_code == 200, r.text
    return {hit["request_id"] for hit in r.json()["items"]}


def test_nobody_finds_another_owners_text(mesh):
    on, off, store = mesh
    alice = put(store, "alice", ["PASARAYA BORONG PINTAR", "TAX INVOICE", "TOTAL 8.20"])
    bob = put(store, "bob", ["PASARAYA BORONG PINTAR", "TAX INVOICE", "TOTAL 8.20", "SECRET RECIPE"])
    legacy = put(store, None, ["TAX INVOICE", "TOTAL 1.00"])
    for q in ("pasaraya", "T0TAL", '"tax invoice"', "invoice -secret", "borong pintar 8.20"):
        assert found(on, q, bearer("alice")) == {alice}, q
        assert found(on, q, bearer("carol")) == set(), q
    assert found(on, "secret recipe", bearer("alice")) == set() and found(on, "secret recipe", bearer("bob")) == {bob}
    # Bob's correction of his own result stays his.
    store.store_text_correction(Delivery(body=TextCorrectionMessage(
        request_id=bob, correction_id=uuid.uuid4(), created_at=datetime.now(UTC), owner="bob",
        lines=[dict(index=0, text="KEDAI ALICE SUKA")]).model_dump_json().encode()))
    assert found(on, "alice suka", bearer("alice")) == set() and found(on, "alice suka", bearer("bob")) == {bob}
    # Authentication off (`make up`): one user, every result.
    assert found(off, "invoice") == {alice, bob, legacy}
    assert on.get("/v1/search", params={"q": "invoice"}).status_code == 401

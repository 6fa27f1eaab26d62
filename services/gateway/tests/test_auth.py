"""Authentication, ownership, limits and priority of the gateway, with stand-in peers."""
import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from fastapi.testclient import TestClient
from ocr_gateway.auth import JwtVerifier
from ocr_gateway.config import Settings
from ocr_gateway.keys import ApiKeyStore
from ocr_gateway.main import create_app

SECRET = "k" * 48
ISSUER, AUDIENCE = "https://id.example.test/", "ocrmesh"


def _load(name: str):
    """The stand-in peers of test_api.py (test modules cannot import each other)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(f"_gw_{name}", Path(__file__).with_name("test_api.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


API = _load("api")


def token(sub="alice", exp=300, iss=ISSUER, aud=AUDIENCE, key=SECRET, alg="HS256", **extra) -> str:
    claims = {"sub": sub, "exp": int(time.time()) + exp, "iss": iss, "aud": aud} | extra
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=alg)


def with_alg(alg) -> str:
    """A valid HS256 token whose header names another `alg` (unverifiable, so never accepted)."""
    _, payload, signature = token().split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "typ": "JWT"}).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


class FakeImageStore:
    """Answers like the image-store's read API, from a dict of id -> owner."""

    def __init__(self):
        self.owners: dict[str, str | None] = {}
        self.seen_params: list[dict] = []
        self.ignore_owner = False        # a faulty store: the gateway must still show only the caller's hits
        app = self.app = FastAPI()

        @app.get("/v1/search")
        def search(request: Request, q: str, owner: str | None = Query(None)):
            self.seen_params.append(dict(request.query_params))
            hits = [{"request_id": i, "owner": o, "created_at": "2026-03-14T23:59:30Z", "snippet": q, "highlights": [[0, len(q)]],
                     "score": 1.0, "lines": [{"index": 0, "text": q, "points": [[0, 0], [9, 0], [9, 9], [0, 9]]}]}
                    for i, o in self.owners.items() if self.ignore_owner or owner is None or o == owner]
            return {"items": hits, "next_cursor": None}

        @app.get("/v1/images")
        def listing(request: Request, owner: str | None = Query(None)):
            self.seen_params.append(dict(request.query_params))
            items = [{"id": i, "owner": o, "text": "t"} for i, o in self.owners.items() if owner is None or o == owner]
            return {"items": items, "next_cursor": None}

        @app.get("/v1/images/{image_id}")
        def one(image_id: str):
            if image_id not in self.owners:
                return JSONResponse({"error": "not_found", "detail": "no"}, status_code=404)
            return {"id": image_id, "owner": self.owners[image_id], "width": 1, "height": 1, "text": "t", "lines": [],
                    "corrections": [], "file_available": True}

        @app.get("/v1/images/{image_id}/file")
        def file(image_id: str):
            if image_id not in self.owners:
                return JSONResponse({"error": "not_found", "detail": "no"}, status_code=404)
            return Response(b"PNGDATA", media_type="image/png")


def recording_peer(seen: list, inner: FastAPI) -> httpx.AsyncBaseTransport:
    """Records the X-Priority header of every call, then lets the stand-in answer."""
    transport = httpx.ASGITransport(inner)

    class Recorder(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            seen.append(request.headers.get("x-priority"))
            return await transport.handle_async_request(request)
    return Recorder()


def make_gateway(tmp_path, **overrides):
    values = dict(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                  IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                  AUTH_ENABLED=True, JWT_SECRET=SECRET,
                  JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE, API_KEY_CACHE_SECONDS=0,
                  ORIENTATION=False)   # the tests count the model calls
    return create_app(Settings(**(values | overrides)))


@pytest.fixture()
def gw(tmp_path):
    app = make_gateway(tmp_path)
    store = FakeImageStore()
    seen: list = []
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=recording_peer(seen, API.fake_detection()))
        s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=recording_peer(seen, API.fake_recognition()))
        s.imagestore.http = httpx.AsyncClient(base_url="http://image-store", transport=httpx.ASGITransport(store.app))
        yield client, s, store, seen


def upload(client, headers=None, path="/v1/ocr", **params):
    return client.post(path, files={"image": ("a.png", API.png_bytes(), "image/png")}, headers=headers or {}, params=params)


def test_no_credentials_is_401_with_a_challenge(gw):
    client, s, _, _ = gw
    for method, path in [("POST", "/v1/ocr"), ("GET", "/v1/ocr"), ("GET", f"/v1/ocr/{uuid.uuid4()}"),
                         ("GET", f"/v1/ocr/{uuid.uuid4()}/image"),
                         ("GET", f"/v1/ocr/{uuid.uuid4()}/pages/1/image"), ("POST", "/read"), ("POST", "/correct-text"),
                         ("GET", "/v1/search?q=total")]:
        r = client.request(method, path)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["error"] == "unauthorized"
        assert r.headers["www-authenticate"].startswith('Bearer realm="ocrmesh"')
    assert client.get("/healthz").status_code == 200 and client.get("/health").status_code == 200
    assert s.outbox.pending() == 0


@pytest.mark.parametrize("bad", [
    token(exp=-120),                              # expired (past the 30 s leeway)
    token(iss="https://evil.example/"),          # wrong issuer
    token(aud="someone-else"),                   # wrong audience
    token(key="x" * 48),                         # wrong secret
    token(sub=None),                             # no subject
    token(iss=None),                             # issuer required
    token(aud=None),                             # audience required
    "not.a.jwt",
    jwt.encode({"sub": "alice", "exp": int(time.time()) + 60, "iss": ISSUER, "aud": AUDIENCE}, None, algorithm="none"),
    "ocm_0123456789ab_" + "A" * 43,              # an API key that does not exist
    with_alg("HS\u0100"),                         # not Latin-1: cannot be quoted in WWW-Authenticate as is
    with_alg("\u2603\"\\"),
    with_alg(["HS256"]),
])
def test_bad_credentials_are_401(gw, bad):
    client, s, _, _ = gw
    r = upload(client, bearer(bad))
    assert r.status_code == 401, r.text
    assert r.json()["error"] == "invalid_token" and 'error="invalid_token"' in r.headers["www-authenticate"]
    assert s.outbox.pending() == 0


def test_wrong_scheme_is_401(gw):
    client, _, _, _ = gw
    r = upload(client, {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()})
    assert r.status_code == 401 and "Bearer" in r.headers["www-authenticate"]


def test_jwt_subject_owns_the_result(gw):
    client, s, _, seen = gw
    r = upload(client, bearer(token("alice")))
    assert r.status_code == 200, r.text
    rows = s.outbox.oldest()
    assert rows[0].headers["owner"] == "alice"
    assert json.loads(rows[1].body)["owner"] == "alice"
    assert seen == ["normal", "normal"]
    assert s.usage.owner_of(r.json()["request_id"]) == "alice"


def test_api_keys_authenticate_and_revocation_takes_effect(gw):
    client, s, _, _ = gw
    store = ApiKeyStore(s.engine)
    key, plaintext = store.create("robot", name="ci")
    assert upload(client, bearer(plaintext)).status_code == 200
    assert upload(client, {"X-API-Key": plaintext}).status_code == 200
    assert json.loads(s.outbox.oldest()[1].body)["owner"] == "robot"
    assert upload(client, bearer(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"))).status_code == 401
    assert store.revoke(key.key_id)
    assert upload(client, bearer(plaintext)).status_code == 401
    # Only the hash is stored.
    with s.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT row_to_json(k)::text FROM gateway.api_key k")).scalars().all()
    assert len(stored) == 1 and plaintext not in stored[0] and plaintext.split("_", 2)[2] not in stored[0]   # the secret may hold "_"


def test_other_owners_results_answer_404(gw):
    client, s, store, _ = gw
    mine, theirs, legacy = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    store.owners.update({mine: "alice", theirs: "bob", legacy: None})
    alice = bearer(token("alice"))
    assert client.get(f"/v1/ocr/{mine}", headers=alice).status_code == 200
    assert client.get(f"/v1/ocr/{mine}/image", headers=alice).content == b"PNGDATA"
    for rid in (theirs, legacy, str(uuid.uuid4())):
        assert client.get(f"/v1/ocr/{rid}", headers=alice).status_code == 404
        assert client.get(f"/v1/ocr/{rid}/image", headers=alice).status_code == 404
        assert client.get(f"/v1/ocr/{rid}/pages/1/image", headers=alice).status_code == 404
        r = client.post(f"/v1/ocr/{rid}/corrections", json={"text": "x"}, headers=alice)
        assert (r.status_code, r.json()["error"]) == (404, "not_found")
        assert client.post("/correct-text", json={"id": rid, "text": "x"}, headers=alice).status_code == 404
    assert client.post(f"/v1/ocr/{mine}/corrections", json={"text": "x"}, headers=alice).status_code == 202
    assert client.post("/correct-text", json={"id": mine, "text": "y"}, headers=alice).status_code == 202
    listed = client.get("/v1/ocr", headers=alice).json()["items"]
    assert [i["request_id"] for i in listed] == [mine]
    assert store.seen_params[-1]["owner"] == "alice"
    corrections = [json.loads(m.body) for m in s.outbox.oldest() if m.queue == "textCorrectionQueue"]
    assert [c["owner"] for c in corrections] == ["alice", "alice"]


def test_search_finds_only_the_callers_own_results(gw):
    client, _, store, _ = gw
    mine, theirs, legacy = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    store.owners.update({mine: "alice", theirs: "bob", legacy: None})
    alice = bearer(token("alice"))
    r = client.get("/v1/search", params={"q": "total"}, headers=alice)
    assert r.status_code == 200 and [h["request_id"] for h in r.json()["items"]] == [mine]
    assert store.seen_params[-1] == {"q": "total", "limit": "20", "owner": "alice"}
    assert "owner" not in r.json()["items"][0] and r.json()["items"][0]["lines"][0]["points"][2] == [9, 9]
    store.ignore_owner = True
    r = client.get("/v1/search", params={"q": "total"}, headers=alice)
    assert [h["request_id"] for h in r.json()["items"]] == [mine]
    assert [h["request_id"] for h in client.get("/v1/search", params={"q": "t"}, headers=bearer(token("bob"))).json()["items"]] == [theirs]


def test_a_fresh_upload_can_be_corrected_before_it_is_stored(gw):
    client, _, _, _ = gw
    rid = upload(client, bearer(token("alice"))).json()["request_id"]   # not in the image-store yet
    assert client.post(f"/v1/ocr/{rid}/corrections", json={"text": "x"}, headers=bearer(token("alice"))).status_code == 202
    assert client.post(f"/v1/ocr/{rid}/corrections", json={"text": "x"}, headers=bearer(token("bob"))).status_code == 404


def test_rate_limit_answers_429_with_retry_after(tmp_path):
    app = make_gateway(tmp_path, RATE_LIMIT_PER_MINUTE=6, RATE_LIMIT_BURST=3)
    with TestClient(app) as client:
        s = app.state.services
        s.imagestore.http = httpx.AsyncClient(base_url="http://image-store", transport=httpx.ASGITransport(FakeImageStore().app))
        alice, bob = bearer(token("alice")), bearer(token("bob"))
        codes = [client.get("/v1/ocr", headers=alice).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.get("/v1/ocr", headers=alice)
        assert r.json()["error"] == "rate_limited" and 1 <= int(r.headers["retry-after"]) <= 10
        assert client.get("/v1/ocr", headers=bob).status_code == 200   # per owner


def test_daily_quota_counts_answered_images_only(tmp_path):
    app = make_gateway(tmp_path, DAILY_QUOTA=2)
    with TestClient(app) as client:
        s = app.state.services
        s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(API.fake_detection()))
        s.recognition.http = httpx.AsyncClient(base_url="http://recognition", transport=httpx.ASGITransport(API.fake_recognition()))
        alice = bearer(token("alice"))
        bad = client.post("/v1/ocr", files={"image": ("a.png", b"not an image", "image/png")}, headers=alice)
        assert bad.status_code == 415                              # refused: not counted
        assert [upload(client, alice).status_code for _ in range(2)] == [200, 200]
        r = upload(client, alice)
        assert (r.status_code, r.json()["error"]) == (429, "quota_exceeded")
        assert int(r.headers["retry-after"]) <= 86401
        assert upload(client, alice, "/read").status_code == 429
        assert upload(client, bearer(token("bob"))).status_code == 200
        key = ApiKeyStore(s.engine).create("carol", daily_quota=1)[1]
        assert [upload(client, bearer(key)).status_code for _ in range(2)] == [200, 429]
    # Durable: a new process still counts today's images.
    app = make_gateway(tmp_path, DAILY_QUOTA=2)
    with TestClient(app) as client:
        assert upload(client, bearer(token("alice"))).status_code == 429


def test_priority_is_granted_forwarded_and_refused(gw):
    client, s, _, seen = gw
    r = upload(client, bearer(token("alice")), priority="high")
    assert (r.status_code, r.json()["error"]) == (403, "priority_not_allowed")
    r = client.post("/v1/ocr", files={"image": ("a.png", API.png_bytes(), "image/png")},
                    headers=bearer(token("alice", scope="openid ocr:priority")) | {"X-Priority": "high"})
    assert r.status_code == 200 and seen == ["high", "high"]
    assert all(m.priority == 1 for m in s.outbox.oldest())
    key = ApiKeyStore(s.engine).create("robot", high_priority=True)[1]
    assert upload(client, bearer(key), priority="high").status_code == 200
    assert upload(client, bearer(key), priority="urgent").status_code == 422


def test_jwks_tokens_are_verified_and_alg_confusion_is_refused(tmp_path):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key())) | {"kid": "k1", "use": "sig", "alg": "RS256"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app = make_gateway(tmp_path, JWT_SECRET=None, JWKS_URL=f"http://127.0.0.1:{server.server_port}/jwks.json")
        with TestClient(app) as client:
            s = app.state.services
            s.imagestore.http = httpx.AsyncClient(base_url="http://image-store", transport=httpx.ASGITransport(FakeImageStore().app))
            good = jwt.encode({"sub": "dana", "exp": int(time.time()) + 60, "iss": ISSUER, "aud": AUDIENCE}, private,
                              algorithm="RS256", headers={"kid": "k1"})
            assert client.get("/v1/ocr", headers=bearer(good)).status_code == 200
            # An HS256 token "signed" with the public key must not pass as the identity provider's.
            assert client.get("/v1/ocr", headers=bearer(token("dana", key=SECRET))).status_code == 401
            other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            forged = jwt.encode({"sub": "dana", "exp": int(time.time()) + 60, "iss": ISSUER, "aud": AUDIENCE}, other,
                                algorithm="RS256", headers={"kid": "k1"})
            assert client.get("/v1/ocr", headers=bearer(forged)).status_code == 401
    finally:
        server.shutdown()


def test_overloaded_model_service_is_503_with_retry_after(gw):
    client, s, _, _ = gw
    busy = FastAPI()

    @busy.post("/v1/detect")
    async def detect(image: UploadFile = File(...)):
        return JSONResponse({"error": "overloaded", "detail": "full"}, status_code=503, headers={"Retry-After": "7"})

    s.detection.http = httpx.AsyncClient(base_url="http://detection", transport=httpx.ASGITransport(busy))
    r = upload(client, bearer(token("alice")))
    assert (r.status_code, r.json()["error"], r.headers["retry-after"]) == (503, "overloaded", "7")
    assert s.outbox.pending() == 0 and s.usage.used_today("alice") == 0


def test_settings_refuse_weak_secrets():
    base = dict(DETECTION_URL="http://d", RECOGNITION_URL="http://r", IMAGESTORE_URL="http://i")
    with pytest.raises(ValueError):
        Settings(**base, JWT_SECRET="short")
    with pytest.raises(ValueError):
        Settings(**base, JWT_SECRET="changethis" + "x" * 40)
    assert not Settings(**base).AUTH_ENABLED   # off by default: `make up` needs no credentials


@pytest.mark.parametrize("source", [{"JWT_SECRET": SECRET}, {"JWKS_URL": "https://id.example.test/jwks.json"}])
@pytest.mark.parametrize("missing", ["JWT_ISSUER", "JWT_AUDIENCE"])
def test_jwt_auth_needs_issuer_and_audience(source, missing):
    """Else a token the identity provider signed for another service (another `aud`) would be accepted."""
    base = dict(DETECTION_URL="http://d", RECOGNITION_URL="http://r", IMAGESTORE_URL="http://i", AUTH_ENABLED=True,
                JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE) | source
    Settings(**base)
    with pytest.raises(ValueError, match="JWT_ISSUER and JWT_AUDIENCE"):
        Settings(**(base | {missing: None}))
    with pytest.raises(ValueError, match="issuer and an audience"):
        JwtVerifier(source.get("JWT_SECRET"), source.get("JWKS_URL"), ISSUER if missing == "JWT_AUDIENCE" else None,
                    AUDIENCE if missing == "JWT_ISSUER" else None)
    # API keys alone need neither (the chart's default).
    assert Settings(**{k: v for k, v in base.items() if k not in source and k != missing}).AUTH_ENABLED


def test_since_is_forwarded_in_utc(gw):
    """PostgreSQL refuses UTC offsets of 16 h or more; the image-store must not see one."""
    client, _, store, _ = gw
    alice = bearer(token("alice"))
    r = client.get("/v1/ocr", params={"since": "2026-01-01T00:00:00+23:30"}, headers=alice)
    assert r.status_code == 200 and store.seen_params[-1]["since"] == "2025-12-31T00:30:00+00:00"
    assert client.get("/v1/ocr", params={"since": "0001-01-01T00:00:00+01:00"}, headers=alice).status_code == 422

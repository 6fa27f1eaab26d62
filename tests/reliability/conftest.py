"""The short reliability campaign of `make test`: the real mesh with authentication on.

The harness (processes, faults, invariants) and the load generator are bench/reliability's, which
the full campaign (bench/reliability/run.py) uses too.
"""
from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path

import jwt
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from reliability import harness  # noqa: E402

ISSUER, AUDIENCE = "https://id.ocrmesh.test/", "ocrmesh"


class Auth:
    """Mints the mesh's credentials: JWTs for subjects and API keys in the gateway's key store."""

    def __init__(self, secret: str, database_url: str):
        from ocr_gateway.db import make_engine
        from ocr_gateway.keys import ApiKeyStore

        self.secret, self.keys = secret, ApiKeyStore(make_engine(database_url, pool_size=1))

    def jwt(self, sub: str, scope: str = "", ttl: int = 3600) -> dict:
        claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + ttl} | ({"scope": scope} if scope else {})
        return {"Authorization": f"Bearer {jwt.encode(claims, self.secret, algorithm='HS256')}"}

    def key(self, owner: str, **kw) -> dict:
        return {"Authorization": f"Bearer {self.keys.create(owner, **kw)[1]}"}


@pytest.fixture(scope="session")
def images():
    if not (harness.EVALDATA / "pages").is_dir():
        pytest.fail(f"evaluation data missing at {harness.EVALDATA}")
    return harness.sample_images(limit_pixels=2_500_000, lines=40)


@pytest.fixture(scope="session")
def mesh(tmp_path_factory):
    try:
        database_url = harness.create_database()
    except Exception as exc:
        pytest.fail(f"PostgreSQL is not reachable: {exc}")
    secret = secrets.token_urlsafe(48)
    gateway = {"AUTH_ENABLED": "true", "JWT_SECRET": secret, "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE,
               "RATE_LIMIT_PER_MINUTE": "6000", "RATE_LIMIT_BURST": "200", "DAILY_QUOTA": "100000",
               "API_KEY_CACHE_SECONDS": "1"}
    m = harness.Mesh(tmp_path_factory.mktemp("reliability"), database_url, env={"gateway": gateway})
    m.auth = Auth(secret, database_url)
    try:
        m.start_all()
        yield m
    finally:
        m.stop_all()
        harness.drop_database(database_url)

"""State every gateway replica shares in PostgreSQL: its own schema and migrations, the rate limit, the
daily quota and the API keys (also through `ocrmesh keys`). Two engines stand for two replicas."""
import json
import os
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa
from ocr_gateway.db import make_engine, upgrade_database
from ocr_gateway.keys import ApiKeyStore
from ocr_gateway.keys import main as keys_main
from ocr_gateway.limits import RateLimiter
from ocr_gateway.usage import UsageLedger

from ocr_imagestore.db import upgrade_database as upgrade_imagestore


@pytest.fixture()
def replicas(engine, database_url):
    other = make_engine(database_url, pool_size=12)
    yield engine, other
    other.dispose()


def test_the_gateway_schema_lives_beside_the_image_stores(engine, database_url):
    upgrade_database(database_url)            # again: nothing to do
    upgrade_imagestore(database_url)          # the image-store's history, in the same database
    with engine.connect() as conn:
        tables = set(conn.execute(sa.text("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                                          "WHERE table_schema IN ('gateway', 'public')")).scalars())
        gateway_rev = conn.execute(sa.text("SELECT version_num FROM gateway.alembic_version")).scalar_one()
        store_rev = conn.execute(sa.text("SELECT version_num FROM public.alembic_version")).scalar_one()
    assert {"gateway.outbox", "gateway.api_key", "gateway.upload", "gateway.rate_bucket",
            "gateway.alembic_version", "public.image", "public.alembic_version"} <= tables
    assert not {t for t in tables if t.startswith("gateway.")} & {"gateway.image"}
    assert gateway_rev.startswith("g") and not store_rev.startswith("g")


def test_the_rate_limit_holds_across_replicas(replicas):
    a, b = (RateLimiter(e, per_minute=6, burst=3) for e in replicas)
    waits = [(a if i % 2 else b).take("alice") for i in range(4)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert 9.0 < waits[3] <= 10.0                     # one token per 10 s, shared
    assert a.take("bob") == 0.0                       # per owner
    assert RateLimiter(replicas[0], per_minute=60, burst=20).take("carol", per_minute=1) == 0.0
    assert b.take("carol", per_minute=1) > 50         # a key's own rate caps its burst at one minute's worth


def test_the_daily_quota_is_not_overshot_by_concurrent_replicas(replicas):
    ledgers = [UsageLedger(e) for e in replicas]
    granted, lock = [], threading.Lock()

    def reserve(i):
        rid = f"00000000-0000-0000-0000-{i:012d}"
        if ledgers[i % 2].reserve(rid, "alice", quota=5):
            with lock:
                granted.append(rid)

    threads = [threading.Thread(target=reserve, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 5 and ledgers[1].used_today("alice") == 5
    ledgers[0].release(granted[0])                    # a failed request frees its place, on any replica
    assert ledgers[1].reserve("00000000-0000-0000-0000-000000000099", "alice", quota=5)
    ledgers[0].complete(granted[1])
    assert ledgers[1].owner_of(granted[1]) == "alice" and ledgers[1].owner_of(granted[2]) is None


def test_keys_made_by_the_command_work_on_every_replica(replicas, database_url, monkeypatch, capsys):
    made = subprocess.run([sys.executable, "-m", "ocrmesh", "keys", "create", "--owner", "alice", "--name", "ci",
                           "--daily-quota", "9"], env=dict(os.environ, DATABASE_URL=database_url), capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    stores = [ApiKeyStore(e) for e in replicas]
    assert all(s.verify(key["key"]).owner == "alice" for s in stores)

    def keys(*args) -> tuple[int, str, str]:   # the same command in this process (the CLI's start-up is slow)
        rc = keys_main(list(args))
        out = capsys.readouterr()
        return rc, out.out, out.err

    rc, out, _ = keys("--database-url", database_url, "list")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(k["key_id"], k["owner"], k["daily_quota"], k["active"]) for k in listed] == [(key["key_id"], "alice", 9, True)]
    assert "key" not in listed[0]
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert keys("revoke", key["key_id"])[0] == 0
    assert all(s.verify(key["key"]) is None for s in stores)
    assert keys("revoke", key["key_id"])[0] == 1
    monkeypatch.delenv("DATABASE_URL")
    rc, _, err = keys("list")
    assert rc == 2 and "DATABASE_URL" in err


def test_readiness_needs_the_database_and_reports_the_outbox_backlog(database_url):
    from fastapi.testclient import TestClient
    from ocr_gateway.config import Settings
    from ocr_gateway.main import create_app

    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F")
    app = create_app(settings)
    with TestClient(app) as client:
        s = app.state.services
        s.outbox.add_many([("q", b"12345", "text/plain", {}), ("q", b"678", "text/plain", {})])
        body = client.get("/readyz").json()
        assert body["checks"]["database"] is True
        assert body["details"]["outbox_rows"] == 2 and body["details"]["outbox_bytes"] == 8
        assert body["details"]["broker_connected"] == 0.0
        s.engine.dispose()
        s.outbox.engine = make_engine(database_url.rsplit("/", 1)[0] + "/no_such_database", pool_size=1)
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["database"] is False
        s.outbox.engine.dispose()

"""Gateway tests run on the real PostgreSQL and RabbitMQ (127.0.0.1; OCRMESH_TEST_POSTGRES_URL and
OCRMESH_TEST_RABBITMQ_URL override them). Without them the tests fail, never skip: `make test` starts them.

Every test gets its own database, a copy of one migrated once per session, and DATABASE_URL points at
it, so each gateway a test creates has a fresh, migrated state."""
from __future__ import annotations

import os
import secrets
import uuid

import pika
import pytest
import sqlalchemy as sa

RABBITMQ_URL = os.environ.get("OCRMESH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
POSTGRES_URL = os.environ.get("OCRMESH_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def _url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _template_database():
    """A database migrated to the gateway's head once; each test gets a copy (CREATE DATABASE … TEMPLATE)."""
    from ocr_gateway.db import upgrade_database

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"ocrmesh_gw_template_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")
    upgrade_database(_url(name))
    yield admin, name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def database_url(_template_database, monkeypatch) -> str:
    """A fresh, migrated database for this test; also DATABASE_URL, which the gateway's Settings read."""
    admin, template = _template_database
    name = f"ocrmesh_gw_test_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    monkeypatch.setenv("DATABASE_URL", _url(name))
    yield _url(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture()
def engine(database_url):
    from ocr_gateway.db import make_engine

    engine = make_engine(database_url, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    try:
        pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL)).close()
    except Exception as exc:
        # A test that needs the broker fails without it: `make test` starts it on a fresh machine.
        pytest.fail(f"RabbitMQ is not reachable at {RABBITMQ_URL}: {exc}")
    return RABBITMQ_URL


@pytest.fixture()
def queue_names(rabbitmq_url):
    """Unique queue names per test; deleted afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = [f"test.imageQueue.{suffix}", f"test.imageDataQueue.{suffix}", f"test.textCorrectionQueue.{suffix}"]
    yield names
    conn = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    for n in names:
        for q in (n, f"{n}.dlq"):
            ch = conn.channel()
            try:
                ch.queue_delete(q)
                ch.close()
            except pika.exceptions.ChannelClosedByBroker:
                pass  # never declared
    conn.close()


@pytest.fixture(scope="session")
def drain():
    return drain_queue


def drain_queue(url: str, queue: str, expected: int, timeout: float = 15.0) -> list[tuple]:
    """Consumes (and acks) up to `expected` messages from `queue`."""
    import time

    from ocr_common.messages import declare_queue

    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    declare_queue(ch, queue)  # the publisher may not have declared it yet
    got, deadline = [], time.time() + timeout
    while len(got) < expected and time.time() < deadline:
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            conn.sleep(0.1)
            continue
        got.append((props, body))
    conn.close()
    return got

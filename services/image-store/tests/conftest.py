"""Fixtures on the real services: a fresh PostgreSQL database per session, unique queues per test.

PostgreSQL and RabbitMQ default to 127.0.0.1 (OCRMESH_TEST_POSTGRES_URL, OCRMESH_TEST_RABBITMQ_URL
override them). If one is not reachable the tests fail, saying how to start it: `make test` starts both,
and a test that silently skips proves nothing.
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import pika
import pika.exceptions
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ocr_imagestore.config import Settings
from ocr_imagestore.consumer import ImageStoreConsumer
from ocr_imagestore.db import make_engine, upgrade_database

# pytest runs with --import-mode=importlib: make the helper module importable by the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from imagestore_testkit import Publisher, Queues  # noqa: E402

POSTGRES_URL = os.environ.get("OCRMESH_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
RABBITMQ_URL = os.environ.get("OCRMESH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "RabbitMQ": "rabbitmq-server -detached",
}


def unavailable(service: str, exc: Exception):
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [repr(exc)]
    message = f"{service} is not reachable ({reason[0]}); start it with: {HOW_TO_START[service]}"
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def admin_engine() -> Engine:
    """AUTOCOMMIT connection to the maintenance database, for CREATE/DROP/ALTER DATABASE."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        unavailable("PostgreSQL", exc)
    yield engine
    engine.dispose()


class TempDatabases:
    def __init__(self, admin: Engine):
        self.admin = admin
        self.names: list[str] = []

    def create(self) -> str:
        name = f"ocrmesh_test_{secrets.token_hex(6)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def temp_databases(admin_engine) -> TempDatabases:
    dbs = TempDatabases(admin_engine)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def database_url(temp_databases) -> str:
    """The session's database, migrated to head."""
    url = temp_databases.create()
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def session_engine(database_url) -> Engine:
    engine = make_engine(database_url, connect_timeout=3)
    yield engine
    engine.dispose()


@pytest.fixture()
def engine(session_engine) -> Engine:
    """The session database with empty tables."""
    with session_engine.begin() as conn:
        conn.execute(text("TRUNCATE text_correction, image_box, search_line, image, search_word RESTART IDENTITY"))
    return session_engine


@pytest.fixture(scope="session")
def rabbit_url() -> str:
    try:
        pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL + ("&" if "?" in RABBITMQ_URL else "?")
                                                   + "socket_timeout=3&connection_attempts=1")).close()
    except pika.exceptions.AMQPError as exc:
        unavailable("RabbitMQ", exc)
    return RABBITMQ_URL


@pytest.fixture()
def queues(rabbit_url) -> Queues:
    """Queue names of this test only; deleted (with their dead-letter queues) afterwards."""
    suffix = secrets.token_hex(4)
    q = Queues(image=f"imageQueue.test-{suffix}", data=f"imageDataQueue.test-{suffix}",
               correction=f"textCorrectionQueue.test-{suffix}")
    yield q
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_url))
    channel = connection.channel()
    for name in q.all():
        channel.queue_delete(queue=name)
    connection.close()


@pytest.fixture()
def db_settings(database_url, tmp_path) -> Settings:
    """Settings for what needs only the database (API reads, cleanup): no consumer."""
    return Settings(
        DATABASE_URL=database_url, RABBITMQ_URL=RABBITMQ_URL, IMAGE_ROOT=tmp_path / "images",
        PREFETCH=8, RETRY_BACKOFF_INITIAL=0.05, RETRY_BACKOFF_MAX=0.4, DB_CONNECT_TIMEOUT=3,
        CONSUMER_ENABLED=False, MIGRATE_ON_START=True,
    )


@pytest.fixture()
def settings(db_settings, rabbit_url, queues) -> Settings:
    """Settings of a consumer on this test's queues."""
    return db_settings.model_copy(update=dict(
        RABBITMQ_URL=rabbit_url, IMAGE_QUEUE=queues.image, IMAGE_DATA_QUEUE=queues.data,
        TEXT_CORRECTION_QUEUE=queues.correction))


@pytest.fixture()
def publisher(rabbit_url, queues) -> Publisher:
    p = Publisher(rabbit_url, queues)
    yield p
    p.close()


@pytest.fixture()
def start_consumer(settings, engine):
    """Starts in-process consumers (in threads); all are stopped at the end of the test."""
    started: list[ImageStoreConsumer] = []

    def start(**overrides) -> ImageStoreConsumer:
        consumer = ImageStoreConsumer(settings.model_copy(update=overrides))
        consumer.start()
        started.append(consumer)
        assert consumer.ready.wait(15), "the consumer did not start consuming"
        return consumer

    yield start
    for consumer in started:
        consumer.stop(15)

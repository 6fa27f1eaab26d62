"""FastAPI app of the image-store service; by default it also runs the queue consumer in a thread."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import pika
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool

from ocr_common.errors import answer_database_down, install_body_limit, install_error_handlers
from ocr_common.health import health_router
from ocr_common.logging import configure_logging
from ocr_common.messages import dead_letter_queue, queue_depth
from ocr_common.metrics import Throttled, counter, gauge, install_metrics
from ocr_common.tracing import instrument_app, setup_tracing, shutdown_tracing

from .api.routes import images, search
from .config import Settings, get_settings
from .consumer import ImageStoreConsumer
from .db import make_engine, upgrade_database

log = logging.getLogger(__name__)


def database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


class DatabaseProbe:
    """`database_reachable` in a worker thread, answered within `timeout`: during an outage a connect can
    hang for DB_CONNECT_TIMEOUT, which must block neither the event loop (every other request) nor the
    probe. One check at a time, so repeated probes do not pile up threads while the database hangs."""

    def __init__(self, engine: Engine, timeout: float):
        self.engine, self.timeout = engine, timeout
        self._running: asyncio.Future[bool] | None = None

    async def __call__(self) -> bool:
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(run_in_threadpool(database_reachable, self.engine))
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), self.timeout)
        except TimeoutError:
            return False


def queue_depths(settings: Settings) -> dict[str, tuple[int, int]]:
    """(ready messages, consumers) of each work queue and its dead-letter queue that exists, on a short-lived
    connection of its own (the consumer's is not thread-safe)."""
    params = pika.URLParameters(settings.RABBITMQ_URL)
    params.connection_attempts, params.socket_timeout, params.blocked_connection_timeout = 1, 3, 5
    params.client_properties = {"connection_name": f"{settings.OTEL_SERVICE_NAME} metrics"}
    connection = pika.BlockingConnection(params)
    try:
        queues = [settings.IMAGE_QUEUE, settings.IMAGE_DATA_QUEUE, settings.TEXT_CORRECTION_QUEUE]
        depths = {q: queue_depth(connection, q) for q in queues + [dead_letter_queue(q) for q in queues]}
        return {q: d for q, d in depths.items() if d is not None}
    finally:
        connection.close()


def _install_metrics(app: FastAPI, settings: Settings) -> None:
    """/metrics: the depth of every queue and dead-letter queue (read from the broker at most every
    QUEUE_METRICS_SECONDS), and what the consumer did with the messages it took."""
    depths = Throttled(lambda: queue_depths(settings), settings.QUEUE_METRICS_SECONDS)

    def queues():
        try:
            found = depths()
        except Exception:   # the broker is down: say so, and show no stale depths
            return [gauge("ocrmesh_queue_broker_reachable", "the last look at the queues reached RabbitMQ", 0)]
        return [gauge("ocrmesh_queue_broker_reachable", "the last look at the queues reached RabbitMQ", 1),
                gauge("ocrmesh_queue_messages", "messages ready in each queue and dead-letter queue",
                      {(q,): d[0] for q, d in found.items()}, ["queue"]),
                gauge("ocrmesh_queue_consumers", "consumers of each queue", {(q,): d[1] for q, d in found.items()},
                      ["queue"])]

    def consumer():
        c: ImageStoreConsumer | None = getattr(app.state, "consumer", None)
        if c is None:
            return []
        return [gauge("ocrmesh_consumer_connected", "the consumer is connected to RabbitMQ and consuming", c.ready.is_set()),
                counter("ocrmesh_consumer_messages", "messages taken from the queues, by outcome (stored, duplicate, "
                        "dead_lettered, retried)", {(k,): v for k, v in dict(c.stats).items()}, ["outcome"])]

    metrics = install_metrics(app)
    metrics.register(queues)
    metrics.register(consumer)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_tracing(settings.OTEL_SERVICE_NAME)
    engine = make_engine(settings.DATABASE_URL, settings.DB_CONNECT_TIMEOUT)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging(settings.OTEL_SERVICE_NAME, settings.LOG_LEVEL)
        logging.getLogger("pika").setLevel(logging.WARNING)
        if settings.MIGRATE_ON_START:
            await run_in_threadpool(upgrade_database, engine)
        consumer = ImageStoreConsumer(settings, engine, migrate=False) if settings.CONSUMER_ENABLED else None
        if consumer:
            consumer.start()
        app.state.consumer = consumer
        try:
            yield
        finally:
            if consumer:
                await run_in_threadpool(consumer.stop, 15)
            engine.dispose()
            shutdown_tracing()

    app = FastAPI(title="ocrmesh image-store", version="0.1.0", lifespan=lifespan,
                  description="Stores uploaded images, their OCR data and corrections from RabbitMQ; serves them back.")
    app.state.settings = settings
    app.state.engine = engine
    install_error_handlers(app)
    install_body_limit(app, settings.MAX_REQUEST_BYTES)

    answer_database_down(app, (sa_exc.OperationalError, sa_exc.InterfaceError))
    database_probe = DatabaseProbe(engine, settings.READY_DB_TIMEOUT)

    async def readiness() -> dict[str, bool]:
        checks = {"database": await database_probe()}
        if settings.CONSUMER_ENABLED:   # a dead consumer thread stores nothing more: not ready
            consumer = getattr(app.state, "consumer", None)
            checks["consumer"] = consumer is not None and consumer.alive
        return checks

    app.include_router(health_router(readiness))
    app.include_router(images.router)
    app.include_router(search.router)
    _install_metrics(app, settings)
    instrument_app(app)
    return app


def main() -> None:
    import uvicorn

    settings = get_settings()
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.PORT, log_config=None)


if __name__ == "__main__":
    main()

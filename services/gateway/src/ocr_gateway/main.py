"""FastAPI app of the gateway, the only public service."""
import asyncio
import logging
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool

from ocr_common.admission import AdmissionGate
from ocr_common.errors import answer_database_down, install_body_limit, install_error_handlers
from ocr_common.health import health_router
from ocr_common.images import ImageLimits
from ocr_common.logging import configure_logging
from ocr_common.metrics import Throttled, admission, gauge, install_metrics
from ocr_common.pages import DocumentLimits
from ocr_common.tracing import current_trace_id, inject_headers, instrument_app, setup_tracing, shutdown_tracing

from .auth import Authenticator
from .clients import DetectionClient, ImageStoreClient, RecognitionClient
from .config import Settings, get_settings
from .db import make_engine, upgrade_database
from .deadline import RequestDeadline
from .idempotency import IdempotencyStore
from .keys import ApiKeyStore
from .limits import RateLimiter
from .outbox import Outbox
from .pipeline import OcrPipeline, Queues
from .publisher import OutboxPublisher
from .routes import compat_router, ocr_router, search_router
from .usage import UsageLedger

log = logging.getLogger(__name__)


class Services:
    """Everything the routes need, built once in the lifespan."""

    def __init__(self, settings: Settings):
        self.settings = settings
        timeouts = {"connect_timeout": settings.CONNECT_TIMEOUT, "retries": settings.CONNECT_RETRIES}
        self.detection = DetectionClient("detection", str(settings.DETECTION_URL), settings.DETECTION_TIMEOUT, **timeouts)
        self.recognition = RecognitionClient("recognition", str(settings.RECOGNITION_URL), settings.RECOGNITION_TIMEOUT,
                                             max_lines=settings.RECOGNITION_MAX_LINES, **timeouts)
        self.imagestore = ImageStoreClient("image-store", str(settings.IMAGESTORE_URL), settings.IMAGESTORE_TIMEOUT, **timeouts)
        self.queues = Queues(settings.IMAGE_QUEUE, settings.IMAGE_DATA_QUEUE, settings.TEXT_CORRECTION_QUEUE)
        self.engine = make_engine(settings.DATABASE_URL, settings.DATABASE_POOL_SIZE)
        self.outbox = Outbox(self.engine, settings.OUTBOX_BATCH_ROWS, settings.OUTBOX_BATCH_BYTES)
        self.publisher = OutboxPublisher(self.outbox, settings.RABBITMQ_URL,
                                         [self.queues.image, self.queues.data, self.queues.correction],
                                         poll_interval=settings.OUTBOX_POLL_SECONDS,
                                         dlq_limits=(settings.DLQ_MAX_LENGTH, settings.DLQ_MAX_BYTES))
        self.limits = ImageLimits(settings.MAX_UPLOAD_BYTES, settings.MAX_IMAGE_PIXELS, settings.MAX_IMAGE_SIDE)
        documents = DocumentLimits(settings.MAX_UPLOAD_BYTES, settings.MAX_PAGES, settings.MAX_IMAGE_PIXELS,
                                   settings.MAX_IMAGE_SIDE, settings.PDF_DPI, settings.PDF_MIN_DPI)
        self.decode_slots = pixels = AdmissionGate(settings.DECODE_CONCURRENCY, settings.DECODE_QUEUE,
                                                   max(1, settings.DECODE_QUEUE // 4), settings.REQUEST_TIMEOUT,
                                                   name="gateway")
        self.pipeline = OcrPipeline(self.detection, self.recognition, self.outbox, self.limits, self.queues,
                                    settings.MIN_LINE_CONFIDENCE, documents, pixels, settings.ORIENTATION)
        self.auth = Authenticator.from_settings(
            settings.JWT_SECRET, settings.JWKS_URL, settings.JWT_ISSUER, settings.JWT_AUDIENCE,
            ApiKeyStore(self.engine) if settings.AUTH_ENABLED else None, settings.JWT_LEEWAY, settings.PRIORITY_SCOPE,
            settings.API_KEY_CACHE_SECONDS)
        self.limiter = RateLimiter(self.engine, settings.RATE_LIMIT_PER_MINUTE, settings.RATE_LIMIT_BURST)
        self.usage = UsageLedger(self.engine)
        # A request that died with its replica frees its key once its deadline has passed.
        self.idempotency = IdempotencyStore(self.engine, timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS),
                                            timedelta(seconds=settings.REQUEST_TIMEOUT + 10))

    def prune(self) -> None:
        """Old ledger rows and idle rate-limit buckets go (any replica may do it; it is idempotent)."""
        self.usage.prune()
        self.limiter.prune()
        self.idempotency.prune()

    async def close(self) -> None:
        self.publisher.stop()
        for client in (self.detection, self.recognition, self.imagestore):
            await client.aclose()
        self.engine.dispose()


async def _housekeeping(services: Services, every: float = 600.0) -> None:
    while True:
        try:
            await run_in_threadpool(services.prune)
        except Exception:   # the database may be down for a while; the next round tries again
            log.warning("housekeeping failed", exc_info=True)
        await asyncio.sleep(every)


def _install_metrics(app: FastAPI, every: float = 1.0) -> None:
    """/metrics: the shared outbox's backlog (the same figures from every replica; read at most every second),
    whether this process's relay reaches RabbitMQ, and its decode slots."""
    backlog = Throttled(lambda: app.state.services.outbox.backlog(), every)

    def outbox():
        rows, size = backlog()
        return [gauge("ocrmesh_outbox_rows", "messages waiting in the shared outbox for RabbitMQ", rows),
                gauge("ocrmesh_outbox_bytes", "message bytes waiting in the shared outbox", size)]

    def process():
        s: Services = app.state.services
        return [gauge("ocrmesh_outbox_relay_connected", "this process's relay is connected to RabbitMQ",
                      s.publisher.connected),
                *admission("ocrmesh_decode", "decode slots (pages in memory)", s.decode_slots)]

    metrics = install_metrics(app)
    metrics.register(outbox)    # left out while the database is unreachable, the rest still answered
    metrics.register(process)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_tracing(settings.OTEL_SERVICE_NAME)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging(settings.OTEL_SERVICE_NAME, settings.LOG_LEVEL)
        services = Services(settings)
        if settings.MIGRATE_ON_START:
            await run_in_threadpool(upgrade_database, services.engine)
        services.publisher.start()
        housekeeping = asyncio.create_task(_housekeeping(services))
        app.state.services = services
        yield
        housekeeping.cancel()
        await services.close()
        shutdown_tracing()

    app = FastAPI(title="ocrmesh gateway", version="0.1.0", lifespan=lifespan,
                  description="The public API of ocrmesh: upload an image, get its text lines and boxes at once; "
                              "results are kept for 7 days and can be corrected.")
    install_error_handlers(app)
    # PostgreSQL restarting (the outbox, keys, limits and quotas are there): 503 with Retry-After, not 500
    answer_database_down(app, (sa_exc.OperationalError, sa_exc.InterfaceError))
    install_body_limit(app, settings.request_body_limit)
    app.add_middleware(RequestDeadline, seconds=settings.REQUEST_TIMEOUT)

    @app.middleware("http")
    async def trace_headers(request: Request, call_next):
        """Every answer names its trace, so a user's report leads straight to it in Jaeger."""
        response = await call_next(request)
        trace_id = current_trace_id()
        if trace_id:
            response.headers["X-Trace-Id"] = trace_id
            response.headers["traceparent"] = inject_headers().get("traceparent", "")
        return response

    instrument_app(app)
    _install_metrics(app)

    backlog: dict[str, float] = {}

    async def ready() -> dict[str, bool]:
        """The peers answer, and the database does (within 2 s; the request path needs it for every
        upload): its outbox backlog goes into the answer's details."""
        s: Services = app.state.services
        try:
            rows, size = await asyncio.wait_for(run_in_threadpool(s.outbox.backlog), 2.0)
            backlog.update(outbox_rows=rows, outbox_bytes=size)
            database = True
        except Exception:   # unreachable, or too slow to count on
            backlog.clear()
            database = False
        # The broker is a detail, not a condition: without it requests are still answered (the outbox waits).
        backlog["broker_connected"] = float(s.publisher.connected)
        return {"detection": await s.detection.ready(), "recognition": await s.recognition.ready(),
                "database": database}

    app.include_router(health_router(ready, lambda: dict(backlog)))
    app.include_router(ocr_router)
    app.include_router(search_router)
    app.include_router(compat_router)
    if settings.PORTAL_DIR and settings.PORTAL_DIR.is_dir():
        app.mount("/portal", StaticFiles(directory=settings.PORTAL_DIR, html=True), name="portal")
    if settings.STATIC_DIR and settings.STATIC_DIR.is_dir():
        app.mount("/", StaticFiles(directory=settings.STATIC_DIR, html=True), name="frontend")
    return app

"""The scaffold both model services share: an app that loads its engine once, reports readiness, and
shows its admission queue; routes reach the engine through the returned dependency."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from .errors import ApiError, install_error_handlers
from .health import health_router
from .logging import configure_logging
from .memory import return_large_buffers
from .metrics import admission, install_metrics
from .settings import BaseServiceSettings
from .tracing import instrument_app, setup_tracing, shutdown_tracing

log = logging.getLogger(__name__)


class ModelServiceSettings(BaseServiceSettings):
    """Settings both model services share."""

    RUNTIME: str = "auto"            # auto (the first of the int8 twin, the .onnx file, the checkpoint) | int8 | onnx | torch (needs ocr-models[train])
    # Admission (see ocr_common.admission): requests served at once, places in the wait queue
    # (normal requests; high ones have MAX_QUEUE_HIGH more), and the longest wait before a 503.
    CONCURRENCY: int = 1
    MAX_QUEUE: int = 32
    MAX_QUEUE_HIGH: int = 8
    MAX_QUEUE_WAIT: float = 30.0
    # Seconds between checks of MODEL_PATH (and its twins) for new weights, e.g. after
    # `ocrmesh models promote`; 0 turns the reload off (Kubernetes rolls new images instead).
    MODEL_RELOAD_SECONDS: float = 5.0


def weights_digest(path: Path) -> str:
    """The first 12 hex digits of the weights file's SHA-256: the same weights give the same id anywhere."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def model_version(path: Path) -> str:
    """The checkpoint's name and content hash, e.g. `recognizer-1a2b3c4d5e6f`."""
    return f"{path.stem}-{weights_digest(path)}"


def model_service_app(settings, load_engine: Callable[[], Any], **fastapi_kw) -> tuple[FastAPI, Callable[[], Any]]:
    """(app, engine dependency). The engine (which must have a `gate` admission queue) is built in the
    lifespan, so the weights load once per process; until then the dependency answers 503."""
    setup_tracing(settings.OTEL_SERVICE_NAME)
    return_large_buffers()   # decoded uploads go back to the system when freed (ocr_common.memory)
    state: dict = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging(settings.OTEL_SERVICE_NAME, settings.LOG_LEVEL)
        state["engine"] = load_engine()
        watcher = None
        if settings.MODEL_RELOAD_SECONDS > 0:
            watcher = asyncio.create_task(_reload_on_change(settings, load_engine, state))
        yield
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        state.clear()
        shutdown_tracing()

    app = FastAPI(version="0.1.0", lifespan=lifespan, **fastapi_kw)
    install_error_handlers(app)
    instrument_app(app)
    app.include_router(health_router(lambda: {"model_loaded": "engine" in state}))
    # /metrics: requests by route and status, and the admission queue in front of the model
    install_metrics(app).register(lambda: admission("ocrmesh_admission", "model admission queue", state["engine"].gate))

    def engine():
        if "engine" not in state:
            raise ApiError(503, "not_ready", "the model is not loaded yet")
        return state["engine"]

    @app.get("/v1/queue", tags=["health"])
    def queue() -> dict:
        """The admission queue: running, waiting, served and refused requests per priority."""
        return engine().gate.stats()

    return app, engine


def _weights_stamp(path: Path) -> tuple:
    """The weights file and its twins beside it (the same name before the first dot: recognizer.pt, .onnx,
    .int8.onnx), by modification time: a promotion rewrites them all."""
    stem = path.name.split(".")[0]
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in path.parent.glob(stem + ".*") if p.is_file()))


async def _reload_on_change(settings, load_engine: Callable[[], Any], state: dict) -> None:
    """Loads new weights beside the running engine and swaps it in: requests already running finish on
    the old one, the next ones read with the new one, and the admission queue carries over, so nothing
    waiting is dropped. Weights that fail to load leave the old engine serving."""
    stamp = _weights_stamp(settings.MODEL_PATH)
    while True:
        await asyncio.sleep(settings.MODEL_RELOAD_SECONDS)
        now = _weights_stamp(settings.MODEL_PATH)
        if now == stamp:
            continue
        await asyncio.sleep(0.5)  # let a promotion finish writing both files
        stamp = _weights_stamp(settings.MODEL_PATH)
        try:
            engine = await run_in_threadpool(load_engine)
        except Exception:
            log.exception("new weights at %s did not load; still serving %s", settings.MODEL_PATH,
                          getattr(state.get("engine"), "version", "?"))
            continue
        if "engine" in state:
            engine.gate = state["engine"].gate
        state["engine"] = engine
        log.info("reloaded %s: now serving %s", settings.MODEL_PATH, getattr(engine, "version", "?"))


def serve(create_app: Callable, settings) -> None:
    import uvicorn

    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.PORT, log_config=None)

"""The scaffold both model services share: an app that loads its engine once, reports readiness, and
shows its admission queue; routes reach the engine through the returned dependency."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from .errors import ApiError, install_error_handlers
from .health import health_router
from .logging import configure_logging
from .settings import BaseServiceSettings
from .tracing import instrument_app, setup_tracing, shutdown_tracing


class ModelServiceSettings(BaseServiceSettings):
    """Settings both model services share."""

    RUNTIME: str = "auto"            # auto (ONNX Runtime when MODEL_PATH.onnx exists) | onnx | torch
    # Admission (see ocr_common.admission): requests served at once, places in the wait queue
    # (normal requests; high ones have MAX_QUEUE_HIGH more), and the longest wait before a 503.
    CONCURRENCY: int = 1
    MAX_QUEUE: int = 32
    MAX_QUEUE_HIGH: int = 8
    MAX_QUEUE_WAIT: float = 30.0


def model_version(path: Path) -> str:
    """The checkpoint's name and content hash, e.g. `recognizer-1a2b3c4d5e6f`."""
    return f"{path.stem}-{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


def model_service_app(settings, load_engine: Callable[[], Any], **fastapi_kw) -> tuple[FastAPI, Callable[[], Any]]:
    """(app, engine dependency). The engine (which must have a `gate` admission queue) is built in the
    lifespan, so the weights load once per process; until then the dependency answers 503."""
    setup_tracing(settings.OTEL_SERVICE_NAME)
    state: dict = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging(settings.OTEL_SERVICE_NAME, settings.LOG_LEVEL)
        state["engine"] = load_engine()
        yield
        state.clear()
        shutdown_tracing()

    app = FastAPI(version="0.1.0", lifespan=lifespan, **fastapi_kw)
    install_error_handlers(app)
    instrument_app(app)
    app.include_router(health_router(lambda: {"model_loaded": "engine" in state}))

    def engine():
        if "engine" not in state:
            raise ApiError(503, "not_ready", "the model is not loaded yet")
        return state["engine"]

    @app.get("/v1/queue", tags=["health"])
    def queue() -> dict:
        """The admission queue: running, waiting, served and refused requests per priority."""
        return engine().gate.stats()

    return app, engine


def serve(create_app: Callable, settings) -> None:
    import uvicorn

    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.PORT, log_config=None)

"""Gateway settings (environment variables). Peer URLs are required: a missing one stops start-up."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AnyHttpUrl

from ocr_common.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    OTEL_SERVICE_NAME: str = "gateway"
    DETECTION_URL: AnyHttpUrl
    RECOGNITION_URL: AnyHttpUrl
    IMAGESTORE_URL: AnyHttpUrl
    RABBITMQ_URL: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    OUTBOX_PATH: Path = Path("var/gateway-outbox.sqlite3")

    # Queue names (the original system's); configurable so tests can isolate themselves.
    IMAGE_QUEUE: str = "imageQueue"
    IMAGE_DATA_QUEUE: str = "imageDataQueue"
    TEXT_CORRECTION_QUEUE: str = "textCorrectionQueue"

    # Upload limits; every rejection is a 4xx JSON error.
    MAX_UPLOAD_BYTES: int = 20 * 1024 * 1024
    MAX_IMAGE_PIXELS: int = 40_000_000
    MAX_IMAGE_SIDE: int = 20_000

    # Peer calls: timeouts in seconds; connect errors are retried, nothing else is.
    CONNECT_TIMEOUT: float = 2.0
    DETECTION_TIMEOUT: float = 60.0
    RECOGNITION_TIMEOUT: float = 60.0
    IMAGESTORE_TIMEOUT: float = 10.0
    CONNECT_RETRIES: int = 2

    STATIC_DIR: Path | None = None      # built front end, served at /
    PORTAL_DIR: Path | None = None      # docs portal, served at /portal/


@lru_cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]

"""Detection service settings (environment variables)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ocr_common.settings import BaseServiceSettings

REPO_MODELS = Path(__file__).resolve().parents[4] / "models"


class Settings(BaseServiceSettings):
    OTEL_SERVICE_NAME: str = "detection"
    MODEL_PATH: Path = REPO_MODELS / "detector.pt"
    RUNTIME: str = "auto"            # auto (ONNX Runtime when MODEL_PATH.onnx exists) | onnx | torch
    MAX_UPLOAD_BYTES: int = 20 * 1024 * 1024
    MAX_IMAGE_PIXELS: int = 40_000_000
    MAX_IMAGE_SIDE: int = 20_000
    # Admission (see ocr_common.admission): pages detected at once, places in the wait queue
    # (normal requests; high ones have MAX_QUEUE_HIGH more), and the longest wait before a 503.
    CONCURRENCY: int = 1
    MAX_QUEUE: int = 32
    MAX_QUEUE_HIGH: int = 8
    MAX_QUEUE_WAIT: float = 30.0


@lru_cache
def get_settings() -> Settings:
    return Settings()

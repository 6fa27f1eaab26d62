"""Recognition service settings (environment variables)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from ocr_common.model_service import ModelServiceSettings
from ocr_models.loader import default_weights
from ocr_models.recognition.config import BATCH_SIZE


class Settings(ModelServiceSettings):
    OTEL_SERVICE_NAME: str = "recognition"
    MODEL_PATH: Path = Field(default_factory=lambda: default_weights("recognizer"))   # or its .onnx
    WORKERS: int = 2                 # batches read side by side, each on one thread (the cores the service may use)
    BATCH_SIZE: int = BATCH_SIZE     # lines per forward pass
    MAX_LINES: int = 512             # lines per request
    MAX_UPLOAD_BYTES: int = 8 * 1024 * 1024   # per line image
    MAX_LINE_PIXELS: int = 4_000_000
    MAX_LINE_SIDE: int = 16_000


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Detection service settings (environment variables)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from ocr_common.model_service import ModelServiceSettings
from ocr_models.loader import default_weights


class Settings(ModelServiceSettings):
    OTEL_SERVICE_NAME: str = "detection"
    MODEL_PATH: Path = Field(default_factory=lambda: default_weights("detector"))   # or its .onnx
    MAX_UPLOAD_BYTES: int = 20 * 1024 * 1024
    MAX_IMAGE_PIXELS: int = 40_000_000
    MAX_IMAGE_SIDE: int = 20_000


@lru_cache
def get_settings() -> Settings:
    return Settings()

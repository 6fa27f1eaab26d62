"""Detection service settings (environment variables)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ocr_common.model_service import ModelServiceSettings

REPO_MODELS = Path(__file__).resolve().parents[4] / "models"


class Settings(ModelServiceSettings):
    OTEL_SERVICE_NAME: str = "detection"
    MODEL_PATH: Path = REPO_MODELS / "detector.pt"
    MAX_UPLOAD_BYTES: int = 20 * 1024 * 1024
    MAX_IMAGE_PIXELS: int = 40_000_000
    MAX_IMAGE_SIDE: int = 20_000


@lru_cache
def get_settings() -> Settings:
    return Settings()

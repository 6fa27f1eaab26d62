"""Recognition service settings (environment variables)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ocr_common.model_service import ModelServiceSettings

REPO_MODELS = Path(__file__).resolve().parents[4] / "models"


class Settings(ModelServiceSettings):
    OTEL_SERVICE_NAME: str = "recognition"
    MODEL_PATH: Path = REPO_MODELS / "recognizer.pt"
    WORKERS: int = 1                 # batches read side by side, each on one thread
    BATCH_SIZE: int = 32
    MAX_LINES: int = 512             # lines per request
    MAX_UPLOAD_BYTES: int = 8 * 1024 * 1024   # per line image
    MAX_LINE_PIXELS: int = 4_000_000
    MAX_LINE_SIDE: int = 16_000


@lru_cache
def get_settings() -> Settings:
    return Settings()

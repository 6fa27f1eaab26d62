"""Base settings every service shares; values come from the environment."""
from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    PORT: int = 8000
    LOG_LEVEL: str = "INFO"
    OTEL_SERVICE_NAME: str = "ocrmesh"

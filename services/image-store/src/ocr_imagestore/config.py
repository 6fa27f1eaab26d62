"""Image-store settings (environment variables)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator

from ocr_common.messages import DLQ_MAX_BYTES, DLQ_MAX_LENGTH, IMAGE_DATA_QUEUE, IMAGE_QUEUE, TEXT_CORRECTION_QUEUE
from ocr_common.settings import BaseServiceSettings


class StorageSettings(BaseServiceSettings):
    """What touches the stored data: enough for the cleanup command, which needs no broker."""

    OTEL_SERVICE_NAME: str = "image-store"
    DATABASE_URL: str = Field(description="e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/ocrmesh")
    IMAGE_ROOT: Path = Field(Path("/data/images"), description="image files go to IMAGE_ROOT/YYYY-MM-DD/<request_id>.<ext>")
    RETENTION_DAYS: int = Field(7, ge=1, description="default age limit of `ocrmesh cleanup`")
    DB_CONNECT_TIMEOUT: int = Field(5, ge=1, description="seconds")
    TRAINING_OWNERS: str = Field("", description="whose corrections may teach the models: comma-separated owners "
                                 "who opted in, `*` for everyone (make up), empty for nobody (the chart's default)")

    def teaching_owners(self) -> list[str]:
        return [o.strip() for o in self.TRAINING_OWNERS.split(",") if o.strip()]

    @field_validator("DATABASE_URL")
    @classmethod
    def _psycopg2_driver(cls, url: str) -> str:
        """postgres:// and postgresql:// (as Postgres tools write them) use the psycopg2 driver."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg2://" + url[len(prefix):]
        return url


class Settings(StorageSettings):
    RABBITMQ_URL: str = Field(description="e.g. amqp://guest:guest@127.0.0.1:5672/%2F")
    IMAGE_QUEUE: str = IMAGE_QUEUE
    IMAGE_DATA_QUEUE: str = IMAGE_DATA_QUEUE
    TEXT_CORRECTION_QUEUE: str = TEXT_CORRECTION_QUEUE
    # Dead-letter queues keep at most this many messages and bytes, the newest (0: no limit). The gateway and the
    # image-store both declare the queues: give them the same values. A DLQ that exists without them keeps its own.
    DLQ_MAX_LENGTH: int = Field(DLQ_MAX_LENGTH, ge=0, description="messages per dead-letter queue, the newest kept")
    DLQ_MAX_BYTES: int = Field(DLQ_MAX_BYTES, ge=0, description="message bytes per dead-letter queue, the newest kept")
    PREFETCH: int = Field(16, ge=1, le=1000, description="unacknowledged messages per queue (data and corrections: "
                          "a few KB each)")
    IMAGE_PREFETCH: int = Field(2, ge=1, le=1000, description="unacknowledged messages of IMAGE_QUEUE: each holds an "
                                "upload (up to the gateway's MAX_UPLOAD_BYTES, 20 MiB) in memory until it is stored")
    RETRY_BACKOFF_INITIAL: float = Field(0.5, gt=0, description="seconds before the first retry of a transient failure")
    RETRY_BACKOFF_MAX: float = Field(15.0, gt=0, description="longest wait between retries (database or broker down)")
    CONSUMER_ENABLED: bool = Field(True, description="the API process also runs the queue consumer in a thread")
    MIGRATE_ON_START: bool = Field(True, description="run the Alembic migrations when the API or the consumer starts")
    READY_DB_TIMEOUT: float = Field(2.0, gt=0, description="seconds /readyz waits for the database check")
    QUEUE_METRICS_SECONDS: float = Field(15.0, ge=0, description="/metrics reads the queues' depths from the broker "
                                         "(passive declarations on a connection of its own) at most this often")
    MAX_REQUEST_BYTES: int = Field(1024 * 1024, ge=1, description="request body (its API only reads): 413 before it "
                                   "is read")


@lru_cache
def get_settings() -> Settings:
    return Settings()


@lru_cache
def get_storage_settings() -> StorageSettings:
    return StorageSettings()

"""Gateway settings (environment variables). Peer URLs are required: a missing one stops start-up."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AnyHttpUrl, Field, model_validator

from ocr_common.lines import MIN_LINE_CONFIDENCE
from ocr_common.messages import DLQ_MAX_BYTES, DLQ_MAX_LENGTH
from ocr_common.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    OTEL_SERVICE_NAME: str = "gateway"
    DETECTION_URL: AnyHttpUrl
    RECOGNITION_URL: AnyHttpUrl
    IMAGESTORE_URL: AnyHttpUrl
    RABBITMQ_URL: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    # Everything replicas share (outbox, API keys, upload ledger, rate limits, idempotency keys) is in
    # PostgreSQL, in the schema `gateway`: any number of gateway processes can run side by side.
    DATABASE_URL: str = Field(description="e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/ocrmesh")
    DATABASE_POOL_SIZE: int = Field(10, ge=1, description="connections per process (as many again on bursts)")
    MIGRATE_ON_START: bool = Field(True, description="run the gateway's Alembic migrations at start-up")
    OUTBOX_BATCH_ROWS: int = Field(100, ge=1, description="rows one relay batch claims at most")
    OUTBOX_BATCH_BYTES: int = Field(8 * 1024 * 1024, ge=1, description="message bytes one relay batch loads at most "
                                    "(a single larger message still goes alone)")
    OUTBOX_POLL_SECONDS: float = Field(1.0, gt=0, description="how often an idle relay looks for other replicas' rows")

    # Queue names (the original system's); configurable so tests can isolate themselves.
    IMAGE_QUEUE: str = "imageQueue"
    IMAGE_DATA_QUEUE: str = "imageDataQueue"
    TEXT_CORRECTION_QUEUE: str = "textCorrectionQueue"
    # Dead-letter queues keep at most this many messages and bytes, the newest (0: no limit). The gateway and the
    # image-store both declare the queues: give them the same values. A DLQ that exists without them keeps its own.
    DLQ_MAX_LENGTH: int = Field(DLQ_MAX_LENGTH, ge=0, description="messages per dead-letter queue, the newest kept")
    DLQ_MAX_BYTES: int = Field(DLQ_MAX_BYTES, ge=0, description="message bytes per dead-letter queue, the newest kept")

    # Upload limits; every rejection is a 4xx JSON error.
    MAX_UPLOAD_BYTES: int = 20 * 1024 * 1024
    MAX_IMAGE_PIXELS: int = 40_000_000
    MAX_IMAGE_SIDE: int = 20_000
    MAX_REQUEST_BYTES: int | None = Field(None, ge=1, description="whole request body, multipart framing included; "
                                          "413 before it is read (default MAX_UPLOAD_BYTES + 1 MiB)")
    # Documents (PDF, multi-page TIFF): MAX_IMAGE_PIXELS and MAX_IMAGE_SIDE hold per page.
    MAX_PAGES: int = Field(50, ge=1, description="pages per document; more is 413 too_many_pages")
    PDF_DPI: float = Field(200.0, ge=50, le=600, description="PDF pages are rendered at this resolution ...")
    PDF_MIN_DPI: float = Field(100.0, ge=36, le=600, description="... or lower, down to this, to fit MAX_IMAGE_PIXELS; "
                               "a page too large even then is 413 page_too_large")
    ORIENTATION: bool = Field(True, description="read a page lying sideways or upside down upright (ocr_common."
                              "orientation: 16 short crops more per page, a second detection when unsure)")
    # Memory: a page's pixels (up to MAX_IMAGE_PIXELS x 3 bytes, about 7 bytes a pixel while decoding) exist only
    # inside one of DECODE_CONCURRENCY slots per process, from the decode to the crops; other pages wait (high
    # priority first), at most DECODE_QUEUE of them, then 503 overloaded.
    DECODE_CONCURRENCY: int = Field(2, ge=1, description="pages decoded or held as pixels at once, per process")
    DECODE_QUEUE: int = Field(32, ge=0, description="pages waiting for a decode slot; more is 503 overloaded")

    # Peer calls: timeouts in seconds; connect errors are retried, nothing else is.
    CONNECT_TIMEOUT: float = 2.0
    DETECTION_TIMEOUT: float = 60.0
    RECOGNITION_TIMEOUT: float = 60.0
    IMAGESTORE_TIMEOUT: float = 10.0
    CONNECT_RETRIES: int = 2
    # The whole request at most (504 `request_timeout` past it). A proxy in front must wait longer (the
    # chart sets the ingress to REQUEST_TIMEOUT + 10 s), so the client gets the gateway's answer.
    REQUEST_TIMEOUT: float = Field(110.0, gt=0)
    IDEMPOTENCY_TTL_HOURS: float = Field(24.0, gt=0, description="how long an Idempotency-Key's answer is kept")
    # Crops per recognition request; at most the recognition service's MAX_LINES. Longer pages go in chunks.
    RECOGNITION_MAX_LINES: int = Field(512, ge=1)

    # Boxes the recognizer reads as nothing, or with a mean character confidence below this, are left out.
    MIN_LINE_CONFIDENCE: float = Field(MIN_LINE_CONFIDENCE, ge=0.0, le=1.0)

    STATIC_DIR: Path | None = None      # built front end, served at /
    PORTAL_DIR: Path | None = None      # docs portal, served at /portal/

    # Authentication (off for `make up`; the Helm chart turns it on). With it on, every /v1/ocr route and
    # the original /read and /correct-text need `Authorization: Bearer <JWT or API key>` (or X-API-Key),
    # and each result belongs to its uploader: the JWT's `sub` or the API key's owner.
    AUTH_ENABLED: bool = False
    JWT_SECRET: str | None = Field(None, description="HS256/384/512 shared secret, at least 32 bytes")
    JWKS_URL: str | None = Field(None, description="the identity provider's JWKS, for RS/PS/ES/EdDSA tokens")
    JWT_ISSUER: str | None = None          # `iss`; required with JWT_SECRET or JWKS_URL
    JWT_AUDIENCE: str | None = None        # `aud`; required with JWT_SECRET or JWKS_URL
    JWT_LEEWAY: float = 30.0               # seconds of clock skew allowed on exp/nbf/iat
    PRIORITY_SCOPE: str = "ocr:priority"   # a JWT scope that may ask for priority=high
    API_KEY_CACHE_SECONDS: float = 5.0     # a revoked key stops working within this time

    # Limits per owner (per JWT subject / API key owner). Off for the anonymous caller of `make up`
    # unless LIMIT_ANONYMOUS. Both hold across replicas: the rate limit is a token bucket per owner in
    # PostgreSQL (limits.py), the quota counts the shared upload ledger (usage.py).
    RATE_LIMIT_PER_MINUTE: float = Field(120.0, ge=0, description="sustained requests per minute; 0 = no limit")
    RATE_LIMIT_BURST: int = Field(20, ge=1, description="requests allowed at once above the sustained rate")
    DAILY_QUOTA: int = Field(5000, ge=0, description="images per owner per UTC day; 0 = no quota")
    LIMIT_ANONYMOUS: bool = False
    HIGH_PRIORITY_FOR_ALL: bool = False    # with auth on: anyone may ask for priority=high

    @property
    def request_body_limit(self) -> int:
        return self.MAX_REQUEST_BYTES or self.MAX_UPLOAD_BYTES + 1024 * 1024

    @model_validator(mode="after")
    def _auth_is_usable(self) -> Settings:
        if self.JWT_SECRET is not None and len(self.JWT_SECRET.encode()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 bytes (e.g. `openssl rand -base64 48`)")
        if self.JWT_SECRET and self.JWT_SECRET.lower().startswith(("changeme", "changethis", "secret")):
            raise ValueError("JWT_SECRET is a placeholder; set a random secret")
        # Without them, any token the same identity provider signs for another service would be accepted.
        if (self.JWT_SECRET or self.JWKS_URL) and not (self.JWT_ISSUER and self.JWT_AUDIENCE):
            raise ValueError("JWT auth (JWT_SECRET or JWKS_URL) needs JWT_ISSUER and JWT_AUDIENCE: "
                             "the `iss` and `aud` every accepted token must carry")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]

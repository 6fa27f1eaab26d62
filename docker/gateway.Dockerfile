# gateway: the public API (BFF). Build from the repository root:
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/gateway.Dockerfile -t ocrmesh/gateway:0.1.0 .
# Runs as uid 10001 with a read-only root filesystem; writable: /tmp only. Stateless: the outbox, API keys
# and usage ledger are in PostgreSQL (DATABASE_URL). API keys: `python3 -m ocr_gateway.keys create --owner NAME`.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
WORKDIR /src
# Dependencies first, from the pins and the packages' metadata: code changes do not rebuild this layer.
COPY constraints.txt docker/pydeps.py ./
COPY common/pyproject.toml common/
COPY services/gateway/pyproject.toml services/gateway/
RUN python3 pydeps.py common services/gateway > requirements.txt \
 && pip install --no-cache-dir -c constraints.txt -r requirements.txt
# Then the code, without dependencies (all installed above).
COPY common/ common/
COPY services/gateway/ services/gateway/
RUN pip install --no-cache-dir --no-deps ./common ./services/gateway

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="ocrmesh gateway" \
      org.opencontainers.image.description="The public API of ocrmesh: upload an image, get its text lines" \
      org.opencontainers.image.source="https://github.com/OWNER/ocrmesh"
RUN groupadd --system --gid 10001 ocrmesh \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin ocrmesh
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UVICORN_HOST=0.0.0.0 UVICORN_PORT=8000 FORWARDED_ALLOW_IPS=* \
    OTEL_SERVICE_NAME=gateway
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('UVICORN_PORT', '8000')}/healthz\", timeout=4)"]
ENTRYPOINT ["uvicorn", "--factory", "ocr_gateway.main:create_app", "--no-access-log", "--timeout-graceful-shutdown", "20"]

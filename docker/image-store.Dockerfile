# image-store: consumes the queues into PostgreSQL and image files, serves them back, and cleans up.
# Build from the repository root:
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/image-store.Dockerfile -t ocrmesh/image-store:0.1.0 .
# The same image runs the 7-day cleanup: `python -m ocr_imagestore.cleanup --older-than 7d`.
# Runs as uid 10001 with a read-only root filesystem; writable: /tmp and /data/images (IMAGE_ROOT).
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
WORKDIR /src
# Dependencies first, from the pins and the packages' metadata: code changes do not rebuild this layer.
COPY constraints.txt docker/pydeps.py ./
COPY common/pyproject.toml common/
COPY services/image-store/pyproject.toml services/image-store/
RUN python3 pydeps.py common services/image-store > requirements.txt \
 && pip install --no-cache-dir -c constraints.txt -r requirements.txt
COPY common/ common/
COPY services/image-store/ services/image-store/
RUN pip install --no-cache-dir --no-deps ./common ./services/image-store

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="ocrmesh image-store" \
      org.opencontainers.image.description="Stores uploaded images, their OCR data and corrections; serves and cleans them up" \
      org.opencontainers.image.source="https://github.com/OWNER/ocrmesh"
RUN groupadd --system --gid 10001 ocrmesh \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin ocrmesh \
 && install -d -o 10001 -g 10001 /data/images
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UVICORN_HOST=0.0.0.0 UVICORN_PORT=8000 \
    OTEL_SERVICE_NAME=image-store \
    IMAGE_ROOT=/data/images RETENTION_DAYS=7
VOLUME ["/data/images"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('UVICORN_PORT', '8000')}/healthz\", timeout=4)"]
ENTRYPOINT ["uvicorn", "--factory", "ocr_imagestore.main:create_app", "--no-access-log", "--timeout-graceful-shutdown", "20"]

# detection: finds the text lines of a page with the CTPN. Build from the repository root (needs models/detector.int8.onnx):
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/detection.Dockerfile -t ocrmesh/detection:0.1.0 .
# No torch: the model runs in ONNX Runtime from its int8 twin models/detector.int8.onnx alone (its config in its metadata);
# the image installs ocr-models without its `train` extra. The weights ship in the image.
# Runs as uid 10001 with a read-only root filesystem; writable: /tmp.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
WORKDIR /src
COPY constraints.txt docker/pydeps.py ./
# The dependencies, from the pins and the packages' metadata: code changes do not rebuild this layer.
COPY common/pyproject.toml common/
COPY ml/pyproject.toml ml/
COPY services/detection/pyproject.toml services/detection/
RUN python3 pydeps.py common ml services/detection > requirements.txt \
 && pip install --no-cache-dir -c constraints.txt -r requirements.txt
COPY common/ common/
COPY ml/ ml/
COPY services/detection/ services/detection/
RUN pip install --no-cache-dir --no-deps ./common ./ml ./services/detection

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="ocrmesh detection" \
      org.opencontainers.image.description="Finds the text lines of a page (CTPN), CPU only" \
      org.opencontainers.image.source="https://github.com/OWNER/ocrmesh"
RUN groupadd --system --gid 10001 ocrmesh \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin ocrmesh
COPY --from=build /opt/venv /opt/venv
# The weights (the int8 twin of the ONNX model, docs/performance.md; its config in its metadata): the image is the model's version.
COPY models/detector.int8.onnx /opt/ocrmesh/models/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOME=/tmp XDG_CACHE_HOME=/tmp/.cache \
    OMP_NUM_THREADS=1 \
    UVICORN_HOST=0.0.0.0 UVICORN_PORT=8000 \
    OTEL_SERVICE_NAME=detection \
    MODEL_PATH=/opt/ocrmesh/models/detector.int8.onnx RUNTIME=int8
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('UVICORN_PORT', '8000')}/healthz\", timeout=4)"]
ENTRYPOINT ["uvicorn", "--factory", "ocr_detection.main:create_app", "--no-access-log", "--timeout-graceful-shutdown", "20"]

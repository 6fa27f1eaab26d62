# detection: finds the text lines of a page with the CTPN. Build from the repository root (needs models/detector.pt):
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/detection.Dockerfile -t ocrmesh/detection:0.1.0 .
# CPU-only torch from the PyTorch CPU index (no CUDA); the weights ship in the image; the ONNX twin
# (models/detector.onnx, when present) is served by ONNX Runtime (RUNTIME=auto).
# Runs as uid 10001 with a read-only root filesystem; writable: /tmp.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
# TORCH_INDEX_URL: where the CPU build of torch comes from; TORCH_FIND_LINKS: an optional local wheel folder.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_FIND_LINKS=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
WORKDIR /src
COPY constraints.txt docker/pydeps.py ./
# torch alone first, from the CPU index (PyPI's x86_64 build pulls gigabytes of CUDA libraries);
# its own dependencies come with the others below, from PyPI and pinned.
RUN grep -E '^torch==' constraints.txt > torch.txt \
 && pip install --no-cache-dir --no-deps --index-url "$TORCH_INDEX_URL" ${TORCH_FIND_LINKS:+--find-links "$TORCH_FIND_LINKS"} \
      -r torch.txt
# Then the other dependencies, from the pins and the packages' metadata: code changes do not rebuild this layer.
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
# The weights (checkpoint + ONNX twin when exported): the image is the model's version.
COPY models/detector.* /opt/ocrmesh/models/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOME=/tmp MPLCONFIGDIR=/tmp/matplotlib XDG_CACHE_HOME=/tmp/.cache \
    OMP_NUM_THREADS=1 \
    UVICORN_HOST=0.0.0.0 UVICORN_PORT=8000 \
    OTEL_SERVICE_NAME=detection \
    MODEL_PATH=/opt/ocrmesh/models/detector.pt RUNTIME=auto
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('UVICORN_PORT', '8000')}/healthz\", timeout=4)"]
ENTRYPOINT ["uvicorn", "--factory", "ocr_detection.main:create_app", "--no-access-log", "--timeout-graceful-shutdown", "20"]

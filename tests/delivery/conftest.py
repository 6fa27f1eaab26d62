"""Delivery tests: container images, the Helm chart, Argo CD, bootstrap.sh. No cluster, no Docker.

The tools (helm, kubernetes-validate, hadolint, shellcheck) come from scripts/delivery-tools.sh,
which this runs once per session (it returns at once when they are there). A missing tool skips
these tests on a workstation and fails them in CI (CI set).

Tests marked `images` build and start real images (slow, root, buildah and podman): they run only
when OCRMESH_IMAGE_TESTS=1 (`make images-test`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "ocrmesh"
TOOLS = Path(os.environ.get("OCRMESH_TOOLS", REPO / ".tools")) / "bin"   # as scripts/delivery-tools.sh
KUBERNETES_VERSION = "1.30"
VALUES_FILES = ["values.yaml", "values-minikube.yaml"]


def pytest_configure(config):
    config.addinivalue_line("markers", "images: builds and runs real container images (make images-test)")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("OCRMESH_IMAGE_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="image builds run with `make images-test` (OCRMESH_IMAGE_TESTS=1)")
    for item in items:
        if "images" in item.keywords:
            item.add_marker(skip)


def missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(what, pytrace=False)
    pytest.skip(what)


@dataclass(frozen=True)
class Tools:
    helm: str
    kubernetes_validate: str
    hadolint: str
    shellcheck: str
    env: dict

    def run(self, *args: str, check: bool = True, cwd: Path = REPO) -> subprocess.CompletedProcess:
        proc = subprocess.run(list(args), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            pytest.fail(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}", pytrace=False)
        return proc


@pytest.fixture(scope="session")
def tools(tmp_path_factory) -> Tools:
    fetch = subprocess.run(["bash", str(REPO / "scripts" / "delivery-tools.sh")], cwd=REPO,
                           capture_output=True, text=True, timeout=600)
    found = {}
    for name in ("helm", "kubernetes-validate", "hadolint", "shellcheck"):
        path = TOOLS / name if (TOOLS / name).exists() else shutil.which(name)
        if not path:
            missing(f"{name} not found; scripts/delivery-tools.sh said:\n{fetch.stdout}{fetch.stderr}")
        found[name.replace("-", "_")] = str(path)
    home = tmp_path_factory.mktemp("helm")
    env = dict(os.environ, HELM_CACHE_HOME=str(home / "cache"), HELM_CONFIG_HOME=str(home / "config"),
               HELM_DATA_HOME=str(home / "data"))
    return Tools(env=env, **found)


@dataclass
class Rendered:
    """The chart rendered with one values file: the YAML text, its path and the parsed objects."""

    values: str
    path: Path
    objects: list[dict]

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert found, f"no {kind} {name} rendered with {self.values}"
        return found[0]


def render(tools: Tools, out: Path, *args: str) -> Rendered:
    proc = tools.run(tools.helm, "template", "ocrmesh", str(CHART), "--namespace", "ocrmesh", *args)
    out.write_text(proc.stdout)
    objects = [o for o in yaml.safe_load_all(proc.stdout) if o]
    return Rendered(values=" ".join(args), path=out, objects=objects)


@pytest.fixture(scope="session", params=VALUES_FILES)
def rendered(request, tools, tmp_path_factory) -> Rendered:
    """The chart with values.yaml alone, then with values-minikube.yaml over it."""
    args = [] if request.param == "values.yaml" else ["-f", str(CHART / request.param)]
    r = render(tools, tmp_path_factory.mktemp("render") / "rendered.yaml", *args)
    r.values = request.param
    return r


@pytest.fixture(scope="session")
def render_chart(tools, tmp_path_factory):
    """render_chart("--set", "x=y", ...) -> Rendered, for variants of the values."""
    def _render(*args: str) -> Rendered:
        return render(tools, tmp_path_factory.mktemp("render") / "rendered.yaml", *args)
    return _render

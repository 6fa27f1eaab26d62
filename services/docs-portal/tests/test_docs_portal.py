"""The docs portal's OpenAPI documents are the services' own: the committed copies and the built
portal's are compared with a fresh export from the apps; the page loads nothing from elsewhere."""
from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[1]
REGENERATE = "bash scripts/build-web.sh (outside CI it rewrites services/docs-portal/specs), then commit them"


def _exporter():
    spec = importlib.util.spec_from_file_location("ocrmesh_export_specs", PORTAL / "export_specs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return _exporter().export()


def test_every_service_is_exported(fresh):
    assert set(fresh) == {"gateway.json", "detection.json", "recognition.json", "image-store.json", "services.json"}
    paths = {name: set(json.loads(text).get("paths", {})) for name, text in fresh.items()}
    assert "/v1/ocr" in paths["gateway.json"] and "/v1/detect" in paths["detection.json"]
    assert "/v1/recognize" in paths["recognition.json"] and "/v1/images/{image_id}" in paths["image-store.json"]


def test_committed_specs_match_the_apps(fresh):
    committed = {p.name: p.read_text(encoding="utf-8") for p in (PORTAL / "specs").glob("*.json")}
    assert set(committed) == set(fresh), f"services/docs-portal/specs has other files than the export: run {REGENERATE}"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"out of date with the services' code: {stale}; run {REGENERATE}"


def test_built_portal_serves_the_current_specs(fresh):
    dist = PORTAL / "dist" / "specs"
    if not dist.is_dir():
        message = "services/docs-portal/dist is not built: run scripts/build-web.sh"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    stale = [name for name, text in fresh.items() if (dist / name).read_text(encoding="utf-8") != text]
    assert not stale, f"the built portal is stale ({stale}): run scripts/build-web.sh"


def test_page_loads_nothing_from_elsewhere():
    html = (PORTAL / "index.html").read_text(encoding="utf-8")
    assert re.search(r'http-equiv="Content-Security-Policy"\s+content="default-src \'self\' blob: data: \'unsafe-inline\'"', html)
    for source in (html, (PORTAL / "portal.js").read_text(encoding="utf-8")):
        assert not re.search(r'(src|href)\s*=\s*["\']https?://', source), "a resource from another host"

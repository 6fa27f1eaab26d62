"""Browser tests against the real mesh: the services as in tests/integration (fresh database, own
queues), with the gateway also serving the built front end and docs portal. The browser side is
Node + playwright-core driving Debian's Chromium (tests/e2e/web/*.test.mjs), started from here.

In CI (CI set) a missing Chromium, Node or build is a failure, never a skip."""
from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
import time
import types
import urllib.request
from pathlib import Path

import img2pdf
import numpy as np
import pika
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent
FRONTEND_DIST = REPO / "services" / "frontend" / "dist"
PORTAL_DIST = REPO / "services" / "docs-portal" / "dist"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
# Small enough that a photo-sized upload is refused, large enough for every real page used here.
MAX_UPLOAD_BYTES = 1_000_000


def _load_integration_harness():
    """tests/integration/conftest.py holds the Mesh; load it under its own name to reuse it."""
    path = REPO / "tests" / "integration" / "conftest.py"
    spec = importlib.util.spec_from_file_location("ocrmesh_e2e_mesh_harness", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


harness = _load_integration_harness()
spans = harness.spans                # noqa: F401  (fixtures: a span receiver and a fresh database)
database_url = harness.database_url  # noqa: F401


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (browser tests never skip in CI)")
    pytest.skip(what)


class WebMesh(harness.Mesh):
    """The mesh, with the gateway serving the front end at / and the portal at /portal/."""

    def env(self, name: str) -> dict:
        env = super().env(name)
        if name == "gateway":
            env.update(STATIC_DIR=str(FRONTEND_DIST), PORTAL_DIR=str(PORTAL_DIST), MAX_UPLOAD_BYTES=str(MAX_UPLOAD_BYTES))
        return env


@pytest.fixture(scope="session")
def chromium() -> str:
    path = os.environ.get("OCRMESH_CHROMIUM") or next(
        (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "") if p
         and Path(p).exists()), None)
    if not path:
        _missing("Chromium not found: apt-get install chromium (or set OCRMESH_CHROMIUM)")
    return path


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if not path:
        _missing("Node.js not found")
    return path


@pytest.fixture(scope="session")
def web_build(node) -> None:
    """The front end and portal as the gateway serves them; build-web.sh is a no-op when current."""
    if not os.environ.get("OCRMESH_SKIP_WEB_BUILD"):
        r = subprocess.run(["bash", str(REPO / "scripts" / "build-web.sh")], cwd=REPO, capture_output=True, text=True)
        assert r.returncode == 0, f"scripts/build-web.sh failed:\n{r.stdout}\n{r.stderr}"
    for need in (FRONTEND_DIST / "index.html", PORTAL_DIST / "index.html", E2E / "node_modules" / "playwright-core"):
        if not need.exists():
            _missing(f"{need} is missing: run scripts/build-web.sh")


@pytest.fixture(scope="module")
def web_mesh(tmp_path_factory, database_url, spans, web_build):  # noqa: F811
    try:
        pika.BlockingConnection(pika.URLParameters(harness.RABBITMQ)).close()
    except Exception as exc:
        pytest.fail(f"RabbitMQ is not reachable: {exc}")
    # These tests kill no broker: the machine's RabbitMQ, with queues of their own, deleted afterwards.
    mesh = WebMesh(tmp_path_factory.mktemp("web-mesh"), database_url, spans, types.SimpleNamespace(url=harness.RABBITMQ))
    try:
        for name in ("detection", "recognition", "image-store", "gateway"):
            mesh.start(name)
        yield mesh
    finally:
        mesh.stop_all()
        conn = pika.BlockingConnection(pika.URLParameters(harness.RABBITMQ))
        for q in mesh.queues.values():
            for name in (q, f"{q}.dlq"):
                try:
                    conn.channel().queue_delete(name)
                except pika.exceptions.ChannelClosedByBroker:
                    pass
        conn.close()


@pytest.fixture(scope="module")
def auth_gateway(web_mesh):
    """A second gateway of the same mesh (same database, peers and queues) with authentication on and API keys
    only, as the chart runs it; yields its URL and a key of the owner `e2e-user`."""
    from ocr_gateway.db import make_engine
    from ocr_gateway.keys import ApiKeyStore

    port = harness.free_port()
    env = dict(web_mesh.env("gateway"), AUTH_ENABLED="true")
    log = open(web_mesh.logs / "gateway-auth.log", "ab")
    proc = subprocess.Popen([str(harness.BIN / "uvicorn"), "ocr_gateway.main:create_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--no-access-log"], env=env, cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None and time.time() < deadline, (web_mesh.logs / "gateway-auth.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        engine = make_engine(web_mesh.database_url, pool_size=1)
        _, key = ApiKeyStore(engine).create("e2e-user", name="browser sign-in")
        engine.dispose()
        yield url, key
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="session")
def images(evaldata, tmp_path_factory) -> dict[str, Path]:
    """Real pages and lines from the evaluation data, and two made-up images for the edge cases."""
    tmp = tmp_path_factory.mktemp("web-images")
    line = evaldata / "lines" / "sroie" / "133_002.png"
    with Image.open(line) as im:
        im = im.convert("RGB")
        k = 3000 / max(im.size)  # longer side 3000 px: the browser must scale it down to 2000
        im.resize((round(im.width * k), round(im.height * k)), Image.Resampling.LANCZOS).save(tmp / "large.png")
    noise = np.random.default_rng(0).integers(0, 256, (2000, 2000, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp / "huge.png", compress_level=1)  # ~3.5 MB even as a JPEG
    # A 2-page PDF of two real receipts, as a scanner makes one: JPEG pages at 200 dpi (the gateway renders PDFs at
    # 200 dpi, so each page comes back at its image's size); 280 KB, under MAX_UPLOAD_BYTES.
    jpegs = []
    for name in ("066.png", "238.png"):
        buf = io.BytesIO()
        with Image.open(evaldata / "pages" / "sroie" / name) as im:
            im.convert("L").save(buf, "JPEG", quality=80)
        jpegs.append(buf.getvalue())
    (tmp / "two-receipts.pdf").write_bytes(img2pdf.convert(jpegs, layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))
    return {"PAGE_IMAGE": evaldata / "pages" / "sroie" / "399.png", "LINE_IMAGE": line,
            "LARGE_IMAGE": tmp / "large.png", "HUGE_IMAGE": tmp / "huge.png", "DOCUMENT_PDF": tmp / "two-receipts.pdf"}


@pytest.fixture(scope="module")
def run_browser(web_mesh, chromium, node, images):
    """Runs one tests/e2e/web/<name>.test.mjs against the mesh; fails with its report and the logs."""

    def run(name: str, timeout: float = 300, **extra: str) -> str:
        env = {**os.environ, "BASE_URL": web_mesh.url("gateway"), "CHROMIUM": chromium, "SCREENSHOTS": str(SCREENSHOTS),
               **{k: str(v) for k, v in images.items()}, **extra}
        cmd = [node, "--test", "--test-reporter=spec", "--test-concurrency=1", f"web/{name}.test.mjs"]
        try:
            r = subprocess.run(cmd, cwd=E2E, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"{name} did not finish within {timeout}s:\n{exc.stdout or ''}")
        if r.returncode != 0:
            logs = "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-3000:]}"
                             for p in sorted(web_mesh.logs.glob("*.log")))
            pytest.fail(f"browser test {name} failed:\n{r.stdout}\n{r.stderr}\n{logs}", pytrace=False)
        return r.stdout

    return run

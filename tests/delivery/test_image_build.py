"""Real images: builds all six from docker/*.Dockerfile with buildah (on local bases: Debian 12 from
debootstrap, Node from the npm registry, Debian's nginx; scripts/build-images.sh) and runs them with podman,
read-only and non-root: the gateway alone (its /healthz and HEALTHCHECK), then the whole mesh against
this host's PostgreSQL and RabbitMQ (a scratch database and queues of its own): an upload through the
gateway container is read, stored by the image-store container and readable again; the frontend and
docs-portal containers answer. Slow (about 30 minutes from nothing on 2 busy cores) and needs root:
`make images-test`. OCRMESH_IMAGES_PREBUILT=1 runs the same tests on the images already tagged `test`."""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from reliability.ports import free_port  # noqa: E402

ROOT = os.environ.get("CONTAINERS_ROOT", "/var/lib/ocrmesh/containers")
RUNROOT = os.environ.get("RUNROOT", "/tmp/ocrmesh-containers-run")
STORE = ["--storage-driver", "vfs", "--root", ROOT, "--runroot", RUNROOT]
# As scripts/build-images.sh runs them: crun and the default ulimits fail on this kind of machine.
PODMAN = ["podman", *STORE, "--cgroup-manager", "cgroupfs", "--runtime", "runc"]
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
TAG = "test"
IMAGES = ["gateway", "detection", "recognition", "image-store", "frontend", "docs-portal"]
POSTGRES = os.environ.get("OCRMESH_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
RABBITMQ = os.environ.get("OCRMESH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")

pytestmark = pytest.mark.images


def image(name: str) -> str:
    return f"localhost/ocrmesh/{name}:{TAG}"


def podman(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*PODMAN, *args], capture_output=True, text=True, check=check, timeout=timeout)


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def built() -> subprocess.CompletedProcess:
    if os.geteuid() != 0:
        pytest.fail("image builds need root (rootful buildah with vfs storage)", pytrace=False)
    no_build = ["--no-build"] if os.environ.get("OCRMESH_IMAGES_PREBUILT") == "1" else []
    proc = subprocess.run(["bash", str(REPO / "scripts" / "build-images.sh"), "--smoke", *no_build, "--tag", TAG, "all"],
                          cwd=REPO, capture_output=True, text=True, timeout=5400,
                          env=dict(os.environ, SMOKE_PORT=str(free_port())))
    print(proc.stderr[-6000:])
    return proc


@pytest.mark.timeout(5400)
def test_gateway_image_builds_and_answers_healthz(built):
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert '"status":"ok"' in built.stdout
    assert "HEALTHCHECK passed" in built.stderr and "smoke test passed" in built.stderr
    assert "user in the container: 10001" in built.stderr


def test_gateway_image_config(built):
    assert built.returncode == 0
    proc = subprocess.run([shutil.which("buildah") or "buildah", *STORE, "inspect", "--type", "image", image("gateway")],
                          capture_output=True, text=True, check=True)
    config = json.loads(proc.stdout)["Docker"]["config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"][:3] == ["uvicorn", "--factory", "ocr_gateway.main:create_app"]
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert "8000/tcp" in config["ExposedPorts"]
    assert not [e for e in config["Env"] if e.startswith(("OUTBOX_PATH=", "API_KEYS_PATH="))]   # stateless


def image_sizes() -> dict[str, int]:
    """Each image's size in bytes, as podman stores it (uncompressed, every layer)."""
    sizes = {}
    for name in IMAGES:
        proc = podman("image", "inspect", "--format", "{{.Size}}", image(name))
        sizes[name] = int(proc.stdout.strip())
    return sizes


def test_all_six_images_built_with_their_sizes(built):
    assert built.returncode == 0
    if not os.environ.get("OCRMESH_IMAGES_PREBUILT") == "1":
        # The script's closing table names every image it built, with its size.
        for name in IMAGES:
            assert re.search(rf"^localhost/ocrmesh/{name}:{TAG}\s+\d", built.stderr, re.M), f"{name} missing from the size table"
    sizes = image_sizes()
    print("image sizes (MB):", {n: round(s / 1e6) for n, s in sizes.items()})
    # torch alone is about 750 MB: a model image above 1 GB has it (or something as heavy) back.
    for name in ("detection", "recognition"):
        assert sizes[name] < 1_000_000_000, f"{name}: {sizes[name] / 1e6:.0f} MB"
    for name in ("frontend", "docs-portal"):   # static files behind nginx, no Node inside
        assert sizes[name] < 400_000_000, f"{name}: {sizes[name] / 1e6:.0f} MB"


@pytest.mark.parametrize("name", ["detection", "recognition"])
def test_model_images_have_no_torch(built, name):
    assert built.returncode == 0
    probe = ("import importlib.util as u, onnxruntime; "
             "print('torch' if u.find_spec('torch') else 'no torch', onnxruntime.__version__)")
    proc = podman("run", "--rm", "--read-only", *ULIMITS, "--entrypoint", "python3", image(name), "-c", probe)
    assert proc.stdout.startswith("no torch "), proc.stdout + proc.stderr   # onnxruntime imports, torch is absent
    proc = podman("run", "--rm", "--read-only", *ULIMITS, "--entrypoint", "python3", image(name), "-c", "import torch",
                  check=False)
    assert proc.returncode != 0 and "No module named 'torch'" in proc.stderr, proc.stderr


class Mesh:
    """The six images started as containers on the host network; removed by close() whatever happened."""

    def __init__(self, tmp: Path):
        import sqlalchemy as sa

        self.suffix = secrets.token_hex(4)
        self.names: list[str] = []
        self.ports = {name: free_port() for name in ("gateway", "detection", "recognition", "image-store")}
        self.queues = {"IMAGE_QUEUE": f"images-test.imageQueue.{self.suffix}",
                       "IMAGE_DATA_QUEUE": f"images-test.imageDataQueue.{self.suffix}",
                       "TEXT_CORRECTION_QUEUE": f"images-test.textCorrectionQueue.{self.suffix}"}
        # A database of its own, dropped by close(): nothing else on this PostgreSQL is touched.
        self.database = f"ocrmesh_images_{self.suffix}"
        self.admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{self.database}"'))
        self.database_url = POSTGRES.rsplit("/", 1)[0] + "/" + self.database
        # The image-store's IMAGE_ROOT: a host folder its uid may write, so the stored file can be seen.
        self.image_root = tmp / "images"
        self.image_root.mkdir()
        os.chown(self.image_root, 10001, 10001)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def run(self, name: str, env: dict[str, str], *extra: str) -> str:
        container = f"ocrmesh-images-test-{self.suffix}-{name}"
        self.names.append(container)
        args = ["run", "-d", "--name", container, "--read-only", "--tmpfs", "/tmp:rw,mode=1777", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "--health-interval", "disable", *ULIMITS, *extra]
        for key, value in env.items():
            args += ["-e", f"{key}={value}"]
        podman(*args, image(name))
        return container

    def start_python(self, name: str, **env: str) -> None:
        # Host network: the host's PostgreSQL and RabbitMQ are on 127.0.0.1; each service on a free port.
        extra = ["-v", f"{self.image_root}:/data/images:rw"] if name == "image-store" else []
        self.run(name, {"UVICORN_PORT": str(self.ports[name]), "LOG_LEVEL": "INFO", **env}, "--network", "host", *extra)

    def start_nginx(self, name: str) -> None:
        # nginx listens on 8000 in its image: a network namespace of its own, published on a free host port.
        self.ports[name] = free_port()
        self.run(name, {}, "-p", f"127.0.0.1:{self.ports[name]}:8000")

    def wait_ready(self, name: str, path: str = "/readyz", timeout: float = 240) -> None:
        container = f"ocrmesh-images-test-{self.suffix}-{name}"
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = podman("inspect", "--format", "{{.State.Status}}", container).stdout.strip()
            if state != "running":
                raise AssertionError(f"{name} is {state}:\n{self.logs(container)}")
            try:
                if get(self.url(name) + path, timeout=3)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(1)
        raise AssertionError(f"{name} not ready on {path} after {timeout} s:\n{self.logs(container)}")

    def logs(self, container: str) -> str:
        proc = podman("logs", container, check=False)
        return (proc.stdout + proc.stderr)[-4000:]

    def user(self, name: str) -> str:
        return podman("exec", f"ocrmesh-images-test-{self.suffix}-{name}", "id", "-u").stdout.strip()

    def close(self, failed: bool) -> None:
        for container in reversed(self.names):
            if failed:
                print(f"--- {container}\n{self.logs(container)}")
            podman("rm", "-f", "-t", "5", container, check=False)
        import pika
        import sqlalchemy as sa

        try:
            with pika.BlockingConnection(pika.URLParameters(RABBITMQ)) as conn:
                channel = conn.channel()
                for queue in self.queues.values():
                    for q in (queue, f"{queue}.dlq"):
                        channel.queue_delete(q)
        except Exception as e:  # noqa: BLE001 - a leftover queue must not hide the test's own outcome
            print(f"queues not deleted: {e}")
        with self.admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="module")
def mesh(built, tmp_path_factory, request):
    assert built.returncode == 0, "the images did not build"
    infra = subprocess.run(["bash", str(REPO / "scripts" / "infra.sh")], capture_output=True, text=True, timeout=600)
    assert infra.returncode == 0, infra.stdout + infra.stderr
    m = Mesh(tmp_path_factory.mktemp("images-mesh"))
    failures = request.session.testsfailed
    try:
        broker = {"RABBITMQ_URL": RABBITMQ, **m.queues}
        m.start_python("image-store", DATABASE_URL=m.database_url, **broker)
        m.start_python("detection")
        m.start_python("recognition")
        for name in ("image-store", "detection", "recognition"):
            m.wait_ready(name)
        m.start_python("gateway", DATABASE_URL=m.database_url, DETECTION_URL=m.url("detection"),
                       RECOGNITION_URL=m.url("recognition"), IMAGESTORE_URL=m.url("image-store"), **broker)
        m.start_nginx("frontend")
        m.start_nginx("docs-portal")
        m.wait_ready("gateway")
        m.wait_ready("frontend", "/healthz")
        m.wait_ready("docs-portal", "/healthz")
        yield m
    except BaseException:
        m.close(failed=True)
        raise
    else:
        m.close(failed=request.session.testsfailed > failures)


def test_every_container_runs_non_root(mesh):
    users = {name: mesh.user(name) for name in IMAGES}
    assert users == {"gateway": "10001", "detection": "10001", "recognition": "10001", "image-store": "10001",
                     "frontend": "101", "docs-portal": "101"}


def test_upload_through_the_gateway_is_read_stored_and_readable_again(mesh):
    from ocrmesh.paths import default_evaldata

    page = default_evaldata() / "pages" / "sroie" / "066.png"   # a real receipt: PASARAYA BORONG PINTAR ...
    data = page.read_bytes()
    boundary = secrets.token_hex(8)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"page.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(mesh.url("gateway") + "/v1/ocr", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        assert r.status == 200
        result = json.loads(r.read())
    lines = [line for line in result["lines"] if line["text"].strip()]
    assert len(lines) >= 10, result
    assert "TOTAL" in result["text"].upper(), result["text"]
    request_id = result["request_id"]

    # The image-store container consumes the queues into the scratch database and IMAGE_ROOT: poll the
    # stored result through the gateway (which reads it from the image-store's API).
    deadline, status = time.time() + 60, 0
    while time.time() < deadline:
        status, raw = get(f"{mesh.url('gateway')}/v1/ocr/{request_id}")
        if status == 200 and json.loads(raw).get("lines"):
            break
        time.sleep(0.5)
    assert status == 200, raw
    stored = json.loads(raw)
    assert [line["text"] for line in stored["lines"]] == [line["text"] for line in result["lines"]]

    status, image_bytes = get(f"{mesh.url('gateway')}/v1/ocr/{request_id}/image")
    assert status == 200 and image_bytes == data
    status, raw = get(f"{mesh.url('image-store')}/v1/images/{request_id}")
    assert status == 200 and json.loads(raw)["file_url"], raw
    files = [p for p in mesh.image_root.rglob(f"{request_id}.*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == data
    assert files[0].stat().st_uid == 10001   # written by the image-store container's user


def test_frontend_and_docs_portal_answer(mesh):
    status, html = get(mesh.url("frontend") + "/")
    assert status == 200 and b'<div id="root">' in html, html[:500]
    asset = re.search(rb'src="\.?(/assets/[^"]+\.js)"', html)   # Vite writes ./assets/...
    assert asset, html[:500]
    assert get(mesh.url("frontend") + asset.group(1).decode())[0] == 200
    status, html = get(mesh.url("docs-portal") + "/portal/")
    assert status == 200 and b"<html" in html.lower()
    status, raw = get(mesh.url("docs-portal") + "/portal/specs/services.json")
    assert status == 200 and json.loads(raw)
    for name in ("frontend", "docs-portal"):   # the images' own HEALTHCHECK (wget), as Docker would run it
        proc = podman("healthcheck", "run", f"ocrmesh-images-test-{mesh.suffix}-{name}", check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr

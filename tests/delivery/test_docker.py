"""docker/: one Dockerfile per image, hadolint clean and built the same way; compose runs the mesh."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
PYTHON_IMAGES = {"gateway": "ocr_gateway", "detection": "ocr_detection", "recognition": "ocr_recognition",
                 "image-store": "ocr_imagestore"}
NGINX_IMAGES = ["frontend", "docs-portal"]
IMAGES = [*PYTHON_IMAGES, *NGINX_IMAGES]


def dockerfile(name: str) -> str:
    return (DOCKER / f"{name}.Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")))
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln.strip() else "")
            for ln in joined.splitlines() if ln.strip()]


def final_stage(text: str) -> list[tuple[str, str]]:
    steps = instructions(text)
    last = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last:]


def test_one_dockerfile_per_image():
    assert sorted(p.name for p in DOCKER.glob("*.Dockerfile")) == sorted(f"{n}.Dockerfile" for n in IMAGES)


@pytest.mark.parametrize("name", IMAGES)
def test_hadolint_clean(tools, name):
    tools.run(tools.hadolint, "--failure-threshold", "warning", f"docker/{name}.Dockerfile")


@pytest.mark.parametrize("name", ["node", "nginx"])
def test_local_bases_hadolint_clean(tools, name):
    """The bases scripts/build-images.sh makes where no container registry is reachable."""
    tools.run(tools.hadolint, "--failure-threshold", "warning", f"docker/local-bases/{name}.Dockerfile")


def test_local_nginx_base_is_unprivileged_as_upstream():
    """What frontend and docs-portal expect of NGINX_IMAGE: runnable as uid 101 on a read-only root."""
    conf = (DOCKER / "local-bases" / "nginx.conf").read_text()
    assert "pid        /tmp/nginx.pid;" in conf and not re.search(r"^\s*user\s", conf, re.M)
    for temp in ("proxy", "client_body", "fastcgi", "uwsgi", "scgi"):
        assert re.search(rf"^\s*{temp}_temp_path\s+/tmp/", conf, re.M), temp
    assert "include /etc/nginx/conf.d/*.conf;" in conf
    text = (DOCKER / "local-bases" / "nginx.Dockerfile").read_text()
    assert "--uid 101 --gid 101" in text and "USER 101:101" in text and " wget" in text
    assert "ln -sf /dev/stdout /var/log/nginx/access.log" in text and "ln -sf /dev/stderr /var/log/nginx/error.log" in text


@pytest.mark.parametrize("name", IMAGES)
def test_image_conventions(name):
    text = dockerfile(name)
    steps = instructions(text)
    froms = [args for op, args in steps if op == "FROM"]
    assert len(froms) >= 2, "multi-stage"
    final = final_stage(text)
    user = [args for op, args in final if op == "USER"]
    assert user and not re.match(r"^(0|root)\b", user[-1]), "the final stage runs as a non-root uid"
    assert re.match(r"^\d+:\d+$", user[-1]), "numeric uid:gid, so Kubernetes can check runAsNonRoot"
    entrypoint = [args for op, args in final if op == "ENTRYPOINT"]
    assert entrypoint and isinstance(json.loads(entrypoint[-1]), list), "exec-form ENTRYPOINT"
    health = [args for op, args in final if op == "HEALTHCHECK"]
    assert health and "/healthz" in health[-1]
    assert json.loads(health[-1].split("CMD", 1)[1]), "exec-form HEALTHCHECK"
    assert "EXPOSE 8000" in text
    assert "docker buildx build --platform linux/amd64,linux/arm64" in text


@pytest.mark.parametrize("name", PYTHON_IMAGES)
def test_python_images(name):
    text = dockerfile(name)
    assert text.count("ARG BASE_IMAGE=python:3.11-slim-bookworm") == 1
    assert re.search(r"^FROM \$\{BASE_IMAGE\} AS build$", text, re.M) and re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    # Dependencies before code: the pins and the pyproject files come in before any source folder.
    steps = instructions(text)
    copies = [args for op, args in steps if op == "COPY"]
    first_code = next(i for i, c in enumerate(copies) if re.match(r"^(common|ml|services/[\w-]+)/ ", c))
    assert any("constraints.txt" in c for c in copies[:first_code])
    assert all("pyproject.toml" in c or "constraints.txt" in c for c in copies[:first_code])
    assert f"{PYTHON_IMAGES[name]}.main:create_app" in text
    assert "--no-cache-dir" in text and "PYTHONDONTWRITEBYTECODE=1" in text
    assert "nvidia" not in text.lower()


@pytest.mark.parametrize("name, weights", [("detection", "detector"), ("recognition", "recognizer")])
def test_model_images_ship_the_int8_twin_and_no_torch(name, weights):
    text = dockerfile(name)
    assert "torch" not in text.lower().replace("no torch", "")
    assert f"COPY models/{weights}.int8.onnx /opt/ocrmesh/models/" in text
    assert f"MODEL_PATH=/opt/ocrmesh/models/{weights}.int8.onnx RUNTIME=int8" in text


def test_pydeps_lists_third_party_requirements():
    run = lambda *a: subprocess.run([sys.executable, str(DOCKER / "pydeps.py"), *a], cwd=REPO,  # noqa: E731
                                    capture_output=True, text=True)
    gateway = run("common", "services/gateway")
    assert gateway.returncode == 0
    names = gateway.stdout.split()
    assert "fastapi" in names and "pika" in names and not any(n.startswith("ocr") for n in names)
    assert "torch" not in names
    # The model services install ocr-models without its train extra: ONNX Runtime, no torch.
    detection = run("common", "ml", "services/detection").stdout.split()
    assert "onnxruntime" in detection and "torch" not in detection and "matplotlib" not in detection
    assert run("services/gateway").returncode == 1   # ocr-common missing from the arguments


def test_dockerignore_keeps_the_context_small():
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in (".venv", ".git", "runs", "**/node_modules", "**/__pycache__"):
        assert entry in ignored


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_runs_the_whole_mesh(compose):
    services = compose["services"]
    assert set(IMAGES) | {"postgres", "rabbitmq", "jaeger"} <= set(services)
    for name in IMAGES:
        build = services[name]["build"]
        assert build["context"] == ".." and build["dockerfile"] == f"docker/{name}.Dockerfile"
        assert (DOCKER.parent / build["dockerfile"]).is_file()
        assert services[name]["read_only"] is True


def test_compose_start_is_health_gated(compose):
    services = compose["services"]
    for name in ("postgres", "rabbitmq", *PYTHON_IMAGES):
        assert "healthcheck" in services[name], name
    needs = {"image-store": {"postgres", "rabbitmq"},
             "gateway": {"detection", "recognition", "image-store", "rabbitmq"},
             "frontend": {"gateway"}}
    for name, deps in needs.items():
        depends = services[name]["depends_on"]
        for dep in deps:
            assert depends[dep]["condition"] == "service_healthy", (name, dep)
    for name in PYTHON_IMAGES:
        env = services[name].get("environment", {})
        assert env.get("OTEL_EXPORTER_OTLP_ENDPOINT") == "http://jaeger:4318", name


def test_compose_commits_no_secret(compose):
    """Passwords come from docker/.env (ignored by Git) and compose refuses to start without them."""
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if "PASS" in key or key.endswith("_URL") and "@" in str(value):
                assert "${" in str(value) and ":?" in str(value), (name, key)
    assert ".env" in (DOCKER / ".gitignore").read_text().split()

"""bootstrap.sh and the delivery scripts: shellcheck clean; `--dry-run` shows the whole sequence."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = ["bootstrap.sh", "scripts/build-images.sh", "scripts/delivery-tools.sh"]


def bootstrap(*args: str) -> subprocess.CompletedProcess:
    # An empty PATH apart from the basics: the dry run must not need (or run) minikube, kubectl or helm.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCRMESH_", "MINIKUBE_", "KUBERNETES_"))}
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.run(["bash", str(REPO / "bootstrap.sh"), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("script", SCRIPTS)
def test_shellcheck_clean(tools, script):
    tools.run(tools.shellcheck, "--severity=style", "--external-sources", script)


def test_bootstrap_is_strict_and_executable():
    text = (REPO / "bootstrap.sh").read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert os.access(REPO / "bootstrap.sh", os.X_OK)


def test_help():
    proc = bootstrap("--help")
    assert proc.returncode == 0
    assert "--dry-run" in proc.stdout and "--repo" in proc.stdout


def test_unknown_option_fails():
    assert bootstrap("--frobnicate").returncode == 2


def test_dry_run_prints_the_full_sequence_in_order():
    proc = bootstrap("--dry-run", "--repo", "https://git.example.com/me/ocrmesh.git", "--revision", "v1.2.3")
    assert proc.returncode == 0, proc.stderr
    commands = [line[2:] for line in proc.stdout.splitlines() if line.startswith("+ ")]
    expected = [
        "minikube -p ocrmesh status",
        "minikube start -p ocrmesh --cpus 4 --memory 6g --disk-size 30g --cni calico --addons ingress",
        "minikube -p ocrmesh addons enable ingress",
        "minikube -p ocrmesh image build -t localhost/ocrmesh/gateway:0.1.0 -f docker/gateway.Dockerfile .",
        "minikube -p ocrmesh image build -t localhost/ocrmesh/detection:0.1.0 -f docker/detection.Dockerfile .",
        "minikube -p ocrmesh image build -t localhost/ocrmesh/recognition:0.1.0 -f docker/recognition.Dockerfile .",
        "minikube -p ocrmesh image build -t localhost/ocrmesh/image-store:0.1.0 -f docker/image-store.Dockerfile .",
        "helm repo add argo https://argoproj.github.io/argo-helm",
        "helm upgrade --install argocd argo/argo-cd --version",
        "kubectl create namespace ocrmesh",
        "kubectl -n ocrmesh create secret generic ocrmesh-secrets --from-env-file",
        "openssl req -x509",
        "kubectl -n ocrmesh create secret tls ocrmesh-tls",
        "https://git.example.com/me/ocrmesh.git|g\" -e \"s|targetRevision: main|targetRevision: v1.2.3|g\" argocd/project.yaml | kubectl apply -f -",
        "argocd/root.yaml | kubectl apply -f -",
        "kubectl -n argocd wait application/ocrmesh --for=jsonpath={.status.sync.status}=Synced",
        "kubectl -n ocrmesh rollout status statefulset/postgres",
        "kubectl -n ocrmesh rollout status statefulset/rabbitmq",
        "kubectl -n ocrmesh rollout status deployment/gateway",
        "kubectl -n ocrmesh rollout status deployment/detection",
        "kubectl -n ocrmesh rollout status deployment/recognition",
        "kubectl -n ocrmesh rollout status deployment/image-store",
        "kubectl -n ocrmesh rollout status deployment/frontend",
        "kubectl -n ocrmesh rollout status deployment/docs-portal",
        "kubectl -n ocrmesh rollout status deployment/jaeger",
        "kubectl -n argocd wait application/ocrmesh --for=jsonpath={.status.health.status}=Healthy",
        "minikube -p ocrmesh ip",
    ]
    position = 0
    for step in expected:
        found = next((i for i in range(position, len(commands)) if step in commands[i]), None)
        assert found is not None, f"{step!r} missing or out of order in:\n" + "\n".join(commands)
        position = found + 1
    assert "https://ocrmesh.local/" in proc.stdout and "port-forward svc/jaeger 16686" in proc.stdout
    assert "argocd-initial-admin-secret" in proc.stdout


def test_dry_run_runs_nothing(tmp_path):
    """With fake tools on PATH that record being called, a dry run calls none of them."""
    calls = tmp_path / "calls"
    for tool in ("minikube", "kubectl", "helm", "openssl"):
        fake = tmp_path / tool
        fake.write_text(f"#!/bin/sh\necho {tool} >> {calls}\n")
        fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:/usr/bin:/bin")
    proc = subprocess.run(["bash", str(REPO / "bootstrap.sh"), "--dry-run"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not calls.exists(), calls.read_text()
    assert "missing" not in proc.stdout


def test_no_build_skips_the_images():
    proc = bootstrap("--dry-run", "--no-build")
    assert proc.returncode == 0 and "image build" not in proc.stdout


def test_one_function_per_step():
    text = (REPO / "bootstrap.sh").read_text()
    for step in ("check_tools", "start_minikube", "build_images", "install_argocd", "create_secrets",
                 "apply_applications", "wait_for_rollouts", "print_urls"):
        assert f"\n{step}() {{" in text and f"\n  {step}\n" in text, step

"""Security checks of the repository: no secret committed, containers non-root with read-only root
filesystems, and no dependency with a known vulnerability that docs/reliability.md does not list."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "reliability.md"
ALLOW = "secret-scan: allow"     # a line with this comment is not reported

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe live key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "ocrmesh API key": re.compile(r"\bocm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\b"),
    "credentials in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://([^\s:/@'\"]+):([^\s@/'\"$]{3,})@"),
    "hard-coded secret": re.compile(
        r"(?i)\b(password|passwd|secret|token|api[_-]?key|private[_-]?key)\b[\"']?\s*[:=]\s*[\"']([^\"'\s$\{<]{8,})[\"']"),
}
# Well-known local defaults and obvious placeholders, not secrets.
PLACEHOLDERS = re.compile(r"(?i)^(guest|postgres|password|pass|example|placeholder|change[-_]?me|changethis|your[-_].*|x+|\*+|dummy.*|"
                          r"test.*|fake.*|redacted|none|null|secret)$")


def repository_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                         capture_output=True, check=True).stdout.decode()
    files = []
    for name in filter(None, out.split("\0")):
        if "node_modules/" in name or name.endswith((".pt", ".onnx", ".png", ".jpg", ".ico", ".woff2", ".sqlite3")):
            continue
        path = REPO / name
        if path.is_file() and path.stat().st_size < 5_000_000:
            files.append(path)
    return files


def scan(path: Path, root: Path = REPO) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if ALLOW in line:
            continue
        for kind, pattern in SECRET_PATTERNS.items():
            for m in pattern.finditer(line):
                if kind == "credentials in a URL" and (m.group(2) == "guest" or PLACEHOLDERS.match(m.group(2))):
                    continue
                if kind == "hard-coded secret" and PLACEHOLDERS.match(m.group(2)):
                    continue
                found.append(f"{path.relative_to(root)}:{number}: {kind}")
    return found


def test_the_scanner_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "leak.py"
    key = "ocm_0123456789ab_" + "Q" * 43
    sample.write_text("\n".join([
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        'PASSWORD = "hunter2hunter2"',  # secret-scan: allow
        "url = 'postgres://app:s3cr3tpw@db/x'",  # secret-scan: allow
        f"k = '{key}'", 'ok = "amqp://guest:guest@127.0.0.1:5672/"', 'fine = "JWT_SECRET: changethis"']))
    found = scan(sample, tmp_path)
    assert [f.split(": ", 1)[1] for f in found] == ["private key", "hard-coded secret", "credentials in a URL",
                                                    "ocrmesh API key"]


def test_no_secret_in_the_repository():
    files = repository_files()
    assert len(files) > 50
    found = [hit for f in files for hit in scan(f)]
    assert not found, "secrets in the repository (or mark a false positive with '# secret-scan: allow'):\n" + "\n".join(found)


# ------------------------------------------------------------------------------------------ containers

def final_stage_user(dockerfile: Path) -> str | None:
    user = None
    for line in dockerfile.read_text().splitlines():
        word = line.strip().split(maxsplit=1)
        if not word:
            continue
        if word[0].upper() == "FROM":
            user = None           # each stage starts as root again
        elif word[0].upper() == "USER" and len(word) == 2:
            user = word[1].strip()
    return user


def test_every_image_runs_as_a_non_root_user():
    dockerfiles = sorted((REPO / "docker").glob("*.Dockerfile"))
    if not dockerfiles:
        pytest.skip("no docker/*.Dockerfile yet")
    for dockerfile in dockerfiles:
        user = final_stage_user(dockerfile)
        assert user, f"{dockerfile.name}: the final stage sets no USER (runs as root)"
        uid = user.split(":")[0]
        assert uid not in ("0", "root"), f"{dockerfile.name}: USER {user}"


def test_compose_services_are_read_only_and_unprivileged():
    compose = REPO / "docker" / "compose.yaml"
    if not compose.exists():
        pytest.skip("no docker/compose.yaml yet")
    services = yaml.safe_load(compose.read_text())["services"]
    ours = [n for n in ("gateway", "detection", "recognition", "image-store", "frontend", "docs-portal") if n in services]
    assert ours
    for name in ours:
        svc = services[name]
        assert svc.get("read_only") is True, f"compose {name}: read_only is not true"
        assert "ALL" in (svc.get("cap_drop") or []), f"compose {name}: capabilities not dropped"


def test_chart_containers_are_non_root_with_read_only_root_filesystems():
    chart = REPO / "charts" / "ocrmesh"
    if not (chart / "values.yaml").exists():
        pytest.skip("no charts/ocrmesh yet")
    values = yaml.safe_load((chart / "values.yaml").read_text())
    pod, container = values["podSecurityContext"], values["containerSecurityContext"]
    assert pod["runAsNonRoot"] is True and int(pod["runAsUser"]) != 0
    assert container["readOnlyRootFilesystem"] is True and container["allowPrivilegeEscalation"] is False
    assert "ALL" in container["capabilities"]["drop"]
    for name in ("gateway", "detection", "recognition", "image-store", "frontend"):
        override = (values.get(name) or {}).get("containerSecurityContext") or {}
        assert override.get("readOnlyRootFilesystem", True) is True, name
        assert int(((values.get(name) or {}).get("podSecurityContext") or {}).get("runAsUser", 1)) != 0, name
    # Every workload template puts the shared security contexts on its pods and containers.
    for template in sorted((chart / "templates").glob("*.yaml")):
        text = template.read_text()
        if "containers:" in text:
            assert "securityContext" in text or "ocrmesh.deployment" in text or "ocrmesh.workload" in text, template.name
    if shutil.which("helm"):
        rendered = subprocess.run(["helm", "template", "t", str(chart)], capture_output=True, text=True, check=True).stdout
        for doc in yaml.safe_load_all(rendered):
            spec = (doc or {}).get("spec", {})
            spec = spec.get("jobTemplate", {}).get("spec", spec)
            pod_spec = spec.get("template", {}).get("spec")
            if not pod_spec:
                continue
            for c in pod_spec.get("containers", []) + pod_spec.get("initContainers", []):
                sc = c.get("securityContext") or {}
                assert sc.get("readOnlyRootFilesystem") is True, (doc["metadata"]["name"], c["name"])


# ------------------------------------------------------------------------------------------ audit

def listed_in_doc(ids: list[str]) -> bool:
    text = DOC.read_text() if DOC.exists() else ""
    return any(i in text for i in ids)


def test_python_dependencies_have_no_unlisted_known_vulnerability():
    """pip-audit of every pin in constraints.txt; a finding must be listed in docs/reliability.md."""
    pip_audit = Path(sys.executable).with_name("pip-audit")
    if not pip_audit.exists():
        pytest.skip("pip-audit is not installed (requirements-dev.txt)")
    r = subprocess.run([str(pip_audit), "--no-deps", "--disable-pip", "-r", str(REPO / "constraints.txt"), "--format", "json",
                        "--progress-spinner", "off"], capture_output=True, text=True, timeout=600)
    if r.returncode not in (0, 1) or not r.stdout.strip().startswith("{"):
        pytest.skip(f"pip-audit could not reach the vulnerability service: {r.stderr.strip()[-300:]}")
    report = json.loads(r.stdout)
    unlisted = [f"{d['name']} {d['version']}: {v['id']}" for d in report["dependencies"] for v in d.get("vulns", [])
                if not listed_in_doc([v["id"], *v.get("aliases", [])])]
    assert not unlisted, "known vulnerabilities not listed in docs/reliability.md:\n" + "\n".join(unlisted)


def test_frontend_dependencies_have_no_unlisted_known_vulnerability():
    frontend = REPO / "services" / "frontend"
    if not (frontend / "package-lock.json").exists() or not shutil.which("npm"):
        pytest.skip("no services/frontend/package-lock.json or no npm")
    r = subprocess.run(["npm", "audit", "--json", "--package-lock-only"], cwd=frontend, capture_output=True, text=True,
                       timeout=300)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        pytest.skip(f"npm audit gave no report: {r.stderr.strip()[-300:]}")
    if "vulnerabilities" not in report:
        # The registry's answer names its address: the project speaks of "the npm registry" only.
        answer = re.sub(r"\S+://\S+", "(the npm registry)", str(report.get("message", r.stderr)))
        pytest.skip(f"the npm registry here offers no advisory service: {answer[:200]}")
    unlisted = [name for name, v in report["vulnerabilities"].items()
                if not listed_in_doc([name] + [str(s.get("url", "")) for s in v.get("via", []) if isinstance(s, dict)])]
    assert not unlisted, "npm advisories not listed in docs/reliability.md: " + ", ".join(unlisted)

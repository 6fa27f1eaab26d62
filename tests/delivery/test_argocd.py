"""argocd/: the project, the root application (app of apps) and its children parse, agree with each
other, sync automatically, and point at paths that exist in this repository."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ARGOCD = REPO / "argocd"
PLACEHOLDER = "https://github.com/OWNER/ocrmesh.git"


def load(path: Path) -> dict:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert len(docs) == 1, path
    return docs[0]


@pytest.fixture(scope="module")
def children(tools, tmp_path_factory) -> dict[str, dict]:
    """The child applications, as the root application renders them (with a real-looking repo URL)."""
    proc = tools.run(tools.helm, "template", "apps", str(ARGOCD / "apps"),
                     "--set", "repoURL=https://git.example.com/me/ocrmesh.git", "--set", "targetRevision=v1")
    apps = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return {a["metadata"]["name"]: a for a in apps}


def assert_automated(app: dict) -> None:
    policy = app["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}, app["metadata"]["name"]
    assert policy["retry"]["limit"] > 0


def test_project_allows_only_this_repository_and_namespaces():
    project = load(ARGOCD / "project.yaml")
    assert project["kind"] == "AppProject" and project["metadata"]["name"] == "ocrmesh"
    assert project["spec"]["sourceRepos"] == [PLACEHOLDER]
    assert {d["namespace"] for d in project["spec"]["destinations"]} == {"ocrmesh", "argocd"}
    assert project["spec"]["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


def test_root_application_renders_argocd_apps():
    root = load(ARGOCD / "root.yaml")
    assert root["kind"] == "Application" and root["spec"]["project"] == "ocrmesh"
    source = root["spec"]["source"]
    assert source["repoURL"] == PLACEHOLDER == source["helm"]["valuesObject"]["repoURL"]
    assert source["targetRevision"] == source["helm"]["valuesObject"]["targetRevision"]
    assert (REPO / source["path"] / "Chart.yaml").is_file()
    assert root["spec"]["destination"]["namespace"] == "argocd"
    assert_automated(root)


def test_children_are_infrastructure_and_ocrmesh(tools, children):
    tools.run(tools.helm, "lint", "--strict", str(ARGOCD / "apps"))
    assert set(children) == {"ocrmesh-infrastructure", "ocrmesh"}
    waves = {n: int(a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for n, a in children.items()}
    assert waves["ocrmesh-infrastructure"] < waves["ocrmesh"]
    for app in children.values():
        assert app["kind"] == "Application" and app["spec"]["project"] == "ocrmesh"
        assert app["spec"]["source"]["repoURL"] == "https://git.example.com/me/ocrmesh.git"
        assert app["spec"]["source"]["targetRevision"] == "v1"
        assert app["spec"]["destination"]["namespace"] == "ocrmesh"
        assert_automated(app)


def test_children_point_at_paths_that_exist(children):
    for app in children.values():
        assert (REPO / app["spec"]["source"]["path"]).is_dir(), app["spec"]["source"]["path"]
    chart = children["ocrmesh"]["spec"]["source"]
    assert chart["path"] == "charts/ocrmesh"
    for values in chart["helm"]["valueFiles"]:
        assert (REPO / chart["path"] / values).is_file(), values


def test_infrastructure_is_the_restricted_namespace(tools):
    docs = {d["kind"]: d for p in sorted((ARGOCD / "infrastructure").glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d}
    namespace = docs["Namespace"]
    assert namespace["metadata"]["name"] == "ocrmesh"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for path in (ARGOCD / "infrastructure").glob("*.yaml"):
        proc = tools.run(tools.kubernetes_validate, "--strict", "-k", "1.30", "--quiet", str(path), check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_project_whitelists_every_kind_the_chart_renders(rendered):
    project = load(ARGOCD / "project.yaml")
    allowed = {(k["group"], k["kind"]) for k in project["spec"]["namespaceResourceWhitelist"]}
    for o in rendered.objects:
        group = o["apiVersion"].rpartition("/")[0]
        assert (group, o["kind"]) in allowed, o["kind"]

"""charts/ocrmesh: lints, renders, validates against Kubernetes 1.30, and holds the promised objects."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "ocrmesh"
SERVICES = ["gateway", "detection", "recognition", "image-store", "frontend", "docs-portal"]
PYTHON_SERVICES = ["gateway", "detection", "recognition", "image-store"]
INFRA = {"postgres": "StatefulSet", "rabbitmq": "StatefulSet", "jaeger": "Deployment"}


def pod_specs(objects: list[dict]):
    """(object, pod spec) of every workload: Deployments, StatefulSets, CronJobs."""
    for o in objects:
        if o["kind"] in ("Deployment", "StatefulSet"):
            yield o, o["spec"]["template"]["spec"]
        elif o["kind"] == "CronJob":
            yield o, o["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def labels_selecting(policy: dict) -> set[str]:
    """Names (app.kubernetes.io/name) of the pods a NetworkPolicy admits traffic from."""
    names = set()
    for rule in policy["spec"].get("ingress", []):
        for peer in rule.get("from", []):
            if "podSelector" in peer and "namespaceSelector" not in peer:
                names.add(peer["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name", "*"))
    return names


# --- lint and schema ---------------------------------------------------------------------------

@pytest.mark.parametrize("values", ["values.yaml", "values-minikube.yaml"])
def test_helm_lint_strict(tools, values):
    tools.run(tools.helm, "lint", "--strict", str(CHART), "-f", str(CHART / values))


def test_every_object_passes_kubernetes_validate_strict(tools, rendered):
    proc = tools.run(tools.kubernetes_validate, "--strict", "-k", "1.30", "--quiet", str(rendered.path), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(rendered.objects) > 20


def test_variants_render_and_validate(tools, render_chart):
    """HPA on, everything external, no persistence, cert-manager: still valid objects."""
    r = render_chart("--set", "detection.autoscaling.enabled=true", "--set", "recognition.autoscaling.enabled=true",
                     "--set", "postgres.enabled=false", "--set", "rabbitmq.enabled=false", "--set", "jaeger.enabled=false",
                     "--set", "tracing.otlpEndpoint=http://collector:4318", "--set", "secrets.existingSecret=mine",
                     "--set", "gateway.autoscaling.enabled=false", "--set", "gateway.replicas=3",
                     "--set", "ingress.certManager.enabled=true", "--set", "ingress.tls.enabled=false",
                     "--set", "gateway.auth.jwtSecretKey=jwt-secret", "--set", "gateway.auth.jwksUrl=https://idp/jwks",
                     "--set", "gateway.auth.issuer=https://idp/")
    proc = tools.run(tools.kubernetes_validate, "--strict", "-k", "1.30", "--quiet", str(r.path), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {h["metadata"]["name"] for h in r.of_kind("HorizontalPodAutoscaler")} == {"detection", "recognition"}  # gateway's off
    assert "replicas" not in r.get("Deployment", "detection")["spec"]
    assert not r.of_kind("StatefulSet") and not r.of_kind("Secret")
    assert "jaeger" not in {d["metadata"]["name"] for d in r.of_kind("Deployment")}
    store = r.get("Deployment", "image-store")["spec"]["template"]["spec"]["containers"][0]
    assert env_of(store)["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "mine", "key": "database-url"}
    assert env_of(store)["RABBITMQ_URL"]["valueFrom"]["secretKeyRef"] == {"name": "mine", "key": "rabbitmq-url"}
    assert r.get("ConfigMap", "ocrmesh-config")["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector:4318"
    assert r.get("Ingress", "ocrmesh")["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    gateway = r.get("Deployment", "gateway")
    genv = env_of(gateway["spec"]["template"]["spec"]["containers"][0])
    assert genv["JWT_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "mine", "key": "jwt-secret"}
    assert genv["JWKS_URL"]["value"] == "https://idp/jwks" and genv["JWT_ISSUER"]["value"] == "https://idp/"
    assert genv["JWT_AUDIENCE"]["value"] == "ocrmesh"     # the default audience
    assert gateway["spec"]["replicas"] == 3
    assert genv["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "mine", "key": "database-url"}


@pytest.mark.parametrize("args, message", [
    (["--set", "gateway.replicas=1"], "gateway.podDisruptionBudget.minAvailable"),
    (["--set", "gateway.autoscaling.maxReplicas=1"], "gateway.autoscaling.maxReplicas"),
    (["--set", "image-store.replicas=2"], "ReadWriteMany"),
    (["--set", "postgres.enabled=false"], "existingSecret"),
    (["--set", "rabbitmq.enabled=false"], "existingSecret"),
    (["--set", "gateway.auth.jwtSecretKey=jwt"], "existingSecret"),
    (["--set", "gateway.auth.jwksUrl=https://idp/jwks"], "gateway.auth.issuer and gateway.auth.audience"),
    (["--set", "gateway.auth.jwksUrl=https://idp/jwks", "--set", "gateway.auth.issuer=https://idp/",
      "--set", "gateway.auth.audience="], "gateway.auth.issuer and gateway.auth.audience"),
])
def test_impossible_settings_stop_the_render(tools, args, message):
    proc = tools.run(tools.helm, "template", "ocrmesh", str(CHART), *args, check=False)
    assert proc.returncode != 0 and message in proc.stderr


# --- the objects that must exist ---------------------------------------------------------------

def test_a_deployment_and_service_per_service(rendered):
    for name in SERVICES:
        deployment = rendered.get("Deployment", name)
        service = rendered.get("Service", name)
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert service["spec"]["ports"][0]["port"] == 8000
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["image"].endswith(f"/{name}:0.1.0")
        assert env_of(container)["OTEL_SERVICE_NAME"]["value"] == name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["resources"]["requests"] and container["resources"]["limits"]


def test_infrastructure_in_cluster_by_default(rendered):
    for name, kind in INFRA.items():
        rendered.get(kind, name)
        rendered.get("Service", name)
    ports = {p["port"] for p in rendered.get("Service", "jaeger")["spec"]["ports"]}
    assert {4317, 4318, 16686} <= ports
    config = rendered.get("ConfigMap", "ocrmesh-config")["data"]
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"


def test_peers_are_wired_by_url(rendered):
    gateway = rendered.get("Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]
    env = env_of(gateway)
    assert env["DETECTION_URL"]["value"] == "http://detection:8000"
    assert env["RECOGNITION_URL"]["value"] == "http://recognition:8000"
    assert env["IMAGESTORE_URL"]["value"] == "http://image-store:8000"
    assert env["RABBITMQ_URL"]["value"].startswith("amqp://ocrmesh:$(RABBITMQ_PASSWORD)@rabbitmq:5672/")
    names = list(env)
    assert names.index("RABBITMQ_PASSWORD") < names.index("RABBITMQ_URL")   # $(VAR) expands only earlier vars
    store = env_of(rendered.get("Deployment", "image-store")["spec"]["template"]["spec"]["containers"][0])
    assert store["DATABASE_URL"]["value"] == "postgresql+psycopg2://ocrmesh:$(POSTGRES_PASSWORD)@postgres:5432/ocrmesh"
    assert store["IMAGE_ROOT"]["value"] == "/data/images"
    # Authentication: on by default, off for the local Minikube demo (the web app has no sign-in).
    assert env["AUTH_ENABLED"]["value"] == ("false" if rendered.values == "values-minikube.yaml" else "true")
    # The gateway's shared state is in PostgreSQL, its password from the Secret (expanded after it).
    assert env["DATABASE_URL"]["value"] == store["DATABASE_URL"]["value"]
    assert names.index("POSTGRES_PASSWORD") < names.index("DATABASE_URL")
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "postgres-password"
    assert not {"OUTBOX_PATH", "API_KEYS_PATH", "USAGE_PATH"} & set(env)


def test_cleanup_cronjob_runs_daily_with_seven_days(rendered):
    job = rendered.get("CronJob", "cleanup")
    assert job["spec"]["schedule"] == "15 0 * * *"
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"].endswith("/image-store:0.1.0")
    assert container["command"] == ["python3", "-m", "ocr_imagestore.cleanup"]
    assert container["args"] == ["--older-than", "7d"]
    assert "DATABASE_URL" in env_of(container) and "RABBITMQ_URL" not in env_of(container)
    assert {"name": "images", "mountPath": "/data/images"} in container["volumeMounts"]


def test_persistent_volume_claims(rendered):
    claims = {c["metadata"]["name"]: c for c in rendered.of_kind("PersistentVolumeClaim")}
    assert set(claims) == {"images"}                  # the gateway keeps nothing on a volume
    volumes = rendered.get("Deployment", "image-store")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "images", "persistentVolumeClaim": {"claimName": "images"}} in volumes
    volumes = rendered.get("Deployment", "gateway")["spec"]["template"]["spec"]["volumes"]
    assert [v["name"] for v in volumes] == ["tmp"]
    for name in ("postgres", "rabbitmq"):
        assert rendered.get("StatefulSet", name)["spec"]["volumeClaimTemplates"]


def test_the_gateway_scales_out(tools, render_chart):
    """Stateless gateway: 2 replicas by default (the autoscaler's floor), rolling updates that never go
    below them, a disruption budget, no volume; gateway.replicas=3 renders and validates."""
    for args, floor in (((), 2), (("--set", "gateway.replicas=3"), 3)):
        r = render_chart(*args)
        gateway = r.get("Deployment", "gateway")["spec"]
        assert "replicas" not in gateway                              # the autoscaler owns the count
        hpa = r.get("HorizontalPodAutoscaler", "gateway")["spec"]
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == (floor, 6)
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
        assert hpa["metrics"][0]["resource"]["name"] == "cpu"
        assert gateway["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
        pdb = r.get("PodDisruptionBudget", "gateway")["spec"]
        assert pdb["minAvailable"] == 1 and pdb["selector"]["matchLabels"] == gateway["selector"]["matchLabels"]
        assert {c["metadata"]["name"] for c in r.of_kind("PersistentVolumeClaim")} == {"images"}
        proc = tools.run(tools.kubernetes_validate, "--strict", "-k", "1.30", "--quiet", str(r.path), check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    fixed = render_chart("--set", "gateway.autoscaling.enabled=false", "--set", "gateway.replicas=3")
    assert fixed.get("Deployment", "gateway")["spec"]["replicas"] == 3 and not fixed.of_kind("HorizontalPodAutoscaler")


def test_the_ingress_waits_longer_than_the_gateway(rendered):
    """A proxy that gives up first would turn a slow answer into a client retry (a second upload)."""
    env = env_of(rendered.get("Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0])
    annotations = rendered.get("Ingress", "ocrmesh")["metadata"]["annotations"]
    gateway_gives_up = float(env["REQUEST_TIMEOUT"]["value"])
    for name in ("proxy-read-timeout", "proxy-send-timeout"):
        assert float(annotations[f"nginx.ingress.kubernetes.io/{name}"]) > gateway_gives_up


def test_ingress_exposes_only_the_public_services_with_tls(rendered):
    ingress = rendered.get("Ingress", "ocrmesh")
    tls = ingress["spec"]["tls"]
    assert tls and tls[0]["secretName"] == "ocrmesh-tls" and tls[0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    backends = {p["path"]: p["backend"]["service"]["name"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert set(backends.values()) == {"frontend", "gateway", "docs-portal"}
    assert backends["/"] == "frontend" and backends["/portal"] == "docs-portal"
    assert backends["/v1"] == backends["/read"] == backends["/correct-text"] == "gateway"
    for service in rendered.of_kind("Service"):
        assert service["spec"]["type"] == "ClusterIP", service["metadata"]["name"]


def test_network_policies_admit_only_the_callers(rendered):
    policies = {p["metadata"]["name"]: p for p in rendered.of_kind("NetworkPolicy")}
    default = policies["default-deny-ingress"]["spec"]
    assert default["podSelector"] == {} and default["policyTypes"] == ["Ingress"] and "ingress" not in default
    expected = {"detection": {"gateway"}, "recognition": {"gateway"}, "image-store": {"gateway"},
                "postgres": {"image-store", "cleanup", "gateway"}, "rabbitmq": {"gateway", "image-store"}}
    for name, callers in expected.items():
        policy = policies[name]
        assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == name
        assert labels_selecting(policy) == callers, name
    public = policies["public-from-ingress-controller"]["spec"]
    assert set(public["podSelector"]["matchExpressions"][0]["values"]) == {"frontend", "gateway", "docs-portal"}
    # The callers' pods carry the labels the policies select on.
    for o, _ in pod_specs(rendered.objects):
        labels = (o["spec"]["jobTemplate"]["spec"]["template"] if o["kind"] == "CronJob" else o["spec"]["template"])["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == o["metadata"]["name"]


# --- security -----------------------------------------------------------------------------------

def test_no_container_runs_as_root_and_roots_are_read_only(rendered):
    checked = 0
    for o, pod in pod_specs(rendered.objects):
        where = f"{o['kind']} {o['metadata']['name']}"
        psc = pod["securityContext"]
        assert psc["runAsNonRoot"] is True, where
        assert psc["runAsUser"] != 0 and psc.get("runAsGroup", 1) != 0, where
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert pod["automountServiceAccountToken"] is False, where
        for c in pod["containers"] + pod.get("initContainers", []):
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"], where
            assert sc.get("runAsUser", psc["runAsUser"]) != 0 and not sc.get("privileged"), where
            assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"], where
            assert c["resources"]["limits"]["memory"], where
            checked += 1
    assert checked == len(SERVICES) + len(INFRA) + 1   # + the cleanup job


def test_no_secret_values_in_the_chart(rendered):
    """Passwords are generated (or come from an existing Secret), never written in values or templates."""
    text = "\n".join(p.read_text() for p in CHART.rglob("*") if p.is_file())
    assert not re.search(r"(?i)password:\s*['\"]?[A-Za-z0-9]{6,}", text)
    if rendered.values == "values-minikube.yaml":
        assert not rendered.of_kind("Secret")   # bootstrap.sh creates ocrmesh-secrets
    else:
        secret = rendered.get("Secret", "ocrmesh-secrets")
        assert set(secret["data"]) == {"postgres-password", "rabbitmq-password"}
        assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


# --- values -------------------------------------------------------------------------------------

def test_every_value_is_documented():
    """values.yaml: each key has a comment on the line above it, or is a group (its keys have one),
    or lies inside a block handed to Kubernetes as it is (security contexts, resources)."""
    verbatim = {"podSecurityContext", "containerSecurityContext", "resources"}
    lines = (CHART / "values.yaml").read_text().splitlines()
    undocumented, inside = [], []   # inside: indents of the open verbatim blocks
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)([A-Za-z][\w-]*):(.*)$", line)
        if not m:
            continue
        indent, key, rest = len(m.group(1)), m.group(2), m.group(3).strip()
        inside = [d for d in inside if d < indent]
        if inside:
            continue
        is_group = rest == "" and i + 1 < len(lines) and lines[i + 1].startswith(m.group(1) + "  ")
        if not is_group and not lines[i - 1].strip().startswith("#"):
            undocumented.append(line.strip())
        if key in verbatim:
            if not lines[i - 1].strip().startswith("#"):
                undocumented.append(line.strip())
            inside.append(indent)
    assert not undocumented


def test_minikube_values_are_small(tools, render_chart):
    r = render_chart("-f", str(CHART / "values-minikube.yaml"))
    assert not r.of_kind("HorizontalPodAutoscaler")
    for o, pod in pod_specs(r.objects):
        if o["kind"] != "CronJob":
            assert o["spec"].get("replicas", 1) == 1, o["metadata"]["name"]
        mem = pod["containers"][0]["resources"]["requests"]["memory"]
        assert int(mem.removesuffix("Mi")) <= 512, (o["metadata"]["name"], mem)
    values = yaml.safe_load((CHART / "values-minikube.yaml").read_text())
    assert values["secrets"]["existingSecret"] == "ocrmesh-secrets"
    assert r.get("Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]["image"] == "localhost/ocrmesh/gateway:0.1.0"

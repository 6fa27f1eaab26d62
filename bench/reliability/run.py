"""The full reliability campaign against the real mesh; writes its figures into docs/reliability.md.

    .venv/bin/python bench/reliability/run.py                 # ~10 min: load, faults, priority, fuzz, audit
    .venv/bin/python bench/reliability/run.py --quick         # a few seconds of each, for development

1. load: CLIENTS closed-loop clients for DURATION s on real dev images (authentication on), split across
   GATEWAYS gateway processes (2 by default: replicas sharing the database and the queues);
2. faults: the same load while the RabbitMQ node is killed (SIGKILL) and started again, a gateway process
   killed (SIGKILL) while the broker is down and restarted later (its unpublished outbox rows are the other's
   to publish), the image-store killed and restarted, PostgreSQL restarted and the recognition service killed
   and restarted; then every accepted request must be stored exactly once with its file (bytes compared),
   the outbox and the queues empty;
3. priority: normal clients saturate the mesh while priority=high clients keep their latency;
4. bad input: FUZZ_CASES schemathesis and image-file cases over the four services, zero 5xx;
5. security: the repository checks (tests/reliability/test_security.py), pip-audit and npm audit.

Raw results go to bench/results/reliability.json; docs/reliability.md gets the tables between its
`campaign:begin` / `campaign:end` markers. Everything runs on 127.0.0.1 and stops by itself.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import jwt  # noqa: E402

from reliability import fuzz, harness  # noqa: E402
from reliability.load import run_load  # noqa: E402

REPO = harness.REPO
DOC = REPO / "docs" / "reliability.md"
RESULTS = REPO / "bench" / "results" / "reliability.json"
BEGIN, END = "<!-- campaign:begin -->", "<!-- campaign:end -->"
ISSUER, AUDIENCE = "https://id.ocrmesh.bench/", "ocrmesh"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Credentials:
    def __init__(self, secret: str, database_url: str):
        from ocr_gateway.db import make_engine
        from ocr_gateway.keys import ApiKeyStore

        self.secret, self.keys = secret, ApiKeyStore(make_engine(database_url, pool_size=1))

    def jwt(self, sub: str, scope: str = "") -> dict:
        claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 86400} | ({"scope": scope} if scope else {})
        return {"Authorization": f"Bearer {jwt.encode(claims, self.secret, algorithm='HS256')}"}

    def key(self, owner: str, **kw) -> dict:
        return {"Authorization": f"Bearer {self.keys.create(owner, **kw)[1]}"}


def start_mesh(workdir: Path, gateways: int) -> tuple[harness.Mesh, Credentials]:
    secret = secrets.token_urlsafe(48)
    gateway = {"AUTH_ENABLED": "true", "JWT_SECRET": secret, "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE,
               "RATE_LIMIT_PER_MINUTE": "60000", "RATE_LIMIT_BURST": "1000", "DAILY_QUOTA": "1000000"}
    mesh = harness.Mesh(workdir, harness.create_database(), env={"gateway": gateway}, gateways=gateways)
    mesh.start_all()
    return mesh, Credentials(secret, mesh.database_url)


def rss_sampler(mesh: harness.Mesh, stop: threading.Event) -> threading.Thread:
    def loop():
        while not stop.wait(1.0):
            mesh.sample_rss()
    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


def load_phase(mesh, creds, images, clients: int, duration: float) -> dict:
    log(f"load: {clients} clients for {duration:.0f}s")
    headers = [creds.jwt(f"user{i % 4}") if i % 2 else creds.key(f"machine{i % 4}") for i in range(clients)]
    result = asyncio.run(run_load(mesh.gateway_urls(), images, clients, duration, headers=lambda i: headers[i]))
    state = harness.check_stored(mesh, result.accepted(), timeout=300, sent=result.sent())
    return {"summary": result.summary(), "stored": state}


def fault_phase(mesh, creds, images, clients: int, duration: float) -> dict:
    """The load with four faults spread over it; returns the timeline, the answers and the end state."""
    timeline: list[tuple[float, str]] = []
    t0 = time.monotonic()

    def at(fraction: float) -> None:
        delay = t0 + duration * fraction - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def note(what: str) -> None:
        timeline.append((round(time.monotonic() - t0, 1), what))
        log(f"fault: {what}")

    second = mesh.gateway_names[1] if len(mesh.gateway_names) > 1 else None

    def faults():
        at(0.10)
        note("RabbitMQ node killed (SIGKILL)")
        mesh.broker.kill()
        if second:   # with rows of its own waiting in the shared outbox for the broker
            at(0.15)
            mesh.kill(second)
            note(f"{second} killed (SIGKILL)")
        at(0.22)
        mesh.broker.start()
        note("RabbitMQ node restarted")
        if second:
            at(0.27)
            mesh.start(second)
            note(f"{second} restarted and ready")
        at(0.32)
        mesh.kill("image-store")
        note("image-store killed (SIGKILL)")
        at(0.42)
        mesh.start("image-store")
        note("image-store restarted and ready")
        at(0.52)
        note("PostgreSQL restart begins")
        harness.restart_postgres()
        note("PostgreSQL restarted")
        at(0.68)
        mesh.kill("recognition")
        note("recognition killed (SIGKILL)")
        at(0.72)
        mesh.start("recognition")
        note("recognition restarted and ready")

    log(f"faults: {clients} clients for {duration:.0f}s")
    thread = threading.Thread(target=faults)
    thread.start()
    headers = [creds.jwt(f"user{i % 4}") if i % 2 else creds.key(f"machine{i % 4}") for i in range(clients)]
    try:
        result = asyncio.run(run_load(mesh.gateway_urls(), images, clients, duration, headers=lambda i: headers[i]))
    finally:
        thread.join()
    log("faults: waiting for the end state")
    state = harness.check_stored(mesh, result.accepted(), timeout=300, sent=result.sent())
    windows = [(t, w) for t, w in timeline]
    errors_by_status = {}
    for o in result.outcomes:
        if o.status != 200:
            errors_by_status.setdefault(f"{o.status} {o.error}", []).append(round(o.started, 1))
    return {"summary": result.summary(), "stored": state, "timeline": windows,
            "errors": {k: {"count": len(v), "first_s": min(v), "last_s": max(v)} for k, v in sorted(errors_by_status.items())}}


def priority_phase(mesh, creds, images, clients: int, high_clients: int, duration: float) -> dict:
    log(f"priority: {clients} normal + {high_clients} high clients for {duration:.0f}s")
    normal, vip = creds.jwt("crowd"), creds.jwt("vip", scope="ocr:priority")
    pages = [im for im in images if im[0].startswith("pages/")] or images
    result = asyncio.run(run_load(mesh.gateway_urls(), pages, clients, duration, high_clients=high_clients,
                                  high_pause=1.0, headers=lambda i: vip if i >= clients else normal))
    harness.assert_stored(mesh, result.accepted(), timeout=300, sent=result.sent())
    queues = {name: httpx.get(f"{mesh.url(name)}/v1/queue", timeout=10).json() for name in ("detection", "recognition")}
    return {"normal": result.summary("normal"), "high": result.summary("high"), "queues": queues}


def fuzz_phase(mesh, creds, cases: int) -> dict:
    log(f"fuzz: {cases} cases")
    tally = fuzz.Tally()
    bombs = {}
    for service, route, field in (("gateway", "/v1/ocr", "image"), ("detection", "/v1/detect", "image"),
                                  ("recognition", "/v1/recognize", "images")):
        for kind, data in fuzz.bombs().items():
            started = time.perf_counter()
            r = httpx.post(f"{mesh.url(service)}{route}", files=[(field, ("b", data, "application/octet-stream"))],
                           headers=creds.jwt("fuzzer"), timeout=60)
            bombs[f"{service} {kind}"] = {"status": r.status_code, "ms": round(1000 * (time.perf_counter() - started), 1)}
    headers = creds.jwt("fuzzer")
    plan = [("gateway", 0.25, 0.15, "/v1/ocr", "image"), ("detection", 0.08, 0.13, "/v1/detect", "image"),
            ("recognition", 0.08, 0.12, "/v1/recognize", "images"), ("image-store", 0.19, 0.0, None, None)]
    started = time.perf_counter()
    for service, api_share, image_share, route, field in plan:
        h = headers if service == "gateway" else None
        fuzz.fuzz_openapi(service, mesh.url(service), int(cases * api_share), tally, h)
        log(f"fuzz: {service} OpenAPI done ({tally.total} so far)")
        if route:
            fuzz.fuzz_images(service, f"{mesh.url(service)}{route}", field, int(cases * image_share), tally, h)
            log(f"fuzz: {service} images done ({tally.total} so far)")
    fuzz.fuzz_images("gateway-anonymous", f"{mesh.url('gateway')}/v1/ocr", "image", max(10, cases // 50), tally,
                     allowed={401})
    alive = {name: proc.poll() is None for name, proc in mesh.procs.items()}
    return {"tally": tally.as_dict(), "bombs": bombs, "alive": alive, "seconds": round(time.perf_counter() - started)}


def security_phase() -> dict:
    log("security: repository checks, pip-audit, npm audit")
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                            "tests/reliability/test_security.py"], cwd=REPO, capture_output=True, text=True, timeout=1200)
    pip_audit = Path(sys.executable).with_name("pip-audit")
    audit = {"available": pip_audit.exists()}
    if pip_audit.exists():
        r = subprocess.run([str(pip_audit), "--no-deps", "--disable-pip", "-r", "constraints.txt", "--format", "json",
                            "--progress-spinner", "off"], cwd=REPO, capture_output=True, text=True, timeout=600)
        try:
            report = json.loads(r.stdout)
            audit["packages"] = len(report["dependencies"])
            audit["findings"] = [{"package": d["name"], "version": d["version"], "id": v["id"],
                                  "fix": v.get("fix_versions", []), "aliases": v.get("aliases", [])}
                                 for d in report["dependencies"] for v in d.get("vulns", [])]
        except ValueError:
            audit["error"] = r.stderr.strip()[-300:]
    npm = subprocess.run(["npm", "audit", "--json", "--package-lock-only"], cwd=REPO / "services" / "frontend",
                         capture_output=True, text=True, timeout=300)
    try:
        npm_report = json.loads(npm.stdout)
    except ValueError:
        npm_report = {"message": npm.stderr.strip()[-300:]}
    if "message" in npm_report:   # the registry's answer names its address: the project says "the npm registry"
        npm_report["message"] = re.sub(r"\S+://\S+", "(the npm registry)", str(npm_report["message"]))
    npm_result = ({"findings": {k: v.get("severity") for k, v in npm_report["vulnerabilities"].items()},
                   "metadata": npm_report.get("metadata", {}).get("vulnerabilities")}
                  if "vulnerabilities" in npm_report else {"error": npm_report.get("message", "no report")[:300]})
    return {"tests": tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr[-300:],
            "skips": [ln for ln in tests.stdout.splitlines() if ln.startswith("SKIPPED")],
            "pip_audit": audit, "npm_audit": npm_result}


# ------------------------------------------------------------------------------------------ report

def _fmt(v, unit="") -> str:
    return "–" if v is None else f"{v}{unit}"


def render(results: dict) -> str:
    env = results["environment"]
    out = [f"Measured {env['date']} on {env['machine']} ({env['note']}); raw numbers in "
           "`bench/results/reliability.json`. Regenerate with `make bench-reliability`.", ""]
    dates = env.get("phase_dates", {})
    if len(set(dates.values())) > 1:
        out += ["Phases measured on different runs: " + ", ".join(f"{k} {v}" for k, v in dates.items()) + ".", ""]
    rows = []
    for name in ("load", "faults"):
        if name in results:
            s = results[name]["summary"]
            rows.append(f"| {name} | {s['requests']} | {s['ok']} | {s['throughput_rps']} | {_fmt(s['p50_s'])} | {_fmt(s['p95_s'])} "
                        f"| {_fmt(s['p99_s'])} | {s['server_errors']} | {s['overloaded_503']} | {s['no_answer']} "
                        f"| {s.get('failovers', 0)} |")
    if rows:
        gateways = env.get("gateways", 1)
        spread = f" split across {gateways} gateway processes" if gateways > 1 else ""
        out += [f"### Load: {env['clients']} clients{spread}, {env['duration']:.0f} s each run, real dev images "
                f"({env['images']})", "",
                "| run | requests | 200 | images/s | p50 s | p95 s | p99 s | 5xx (not 503) | 503 overloaded | no answer "
                "| sent to another gateway (connection refused) |",
                "|---|---|---|---|---|---|---|---|---|---|---|", *rows, ""]
    if results.get("peak_rss_mb"):
        out += ["Peak RSS per service (MiB, VmHWM over every run and restart): " + ", ".join(
            f"{k} {v:.0f}" for k, v in sorted(results["peak_rss_mb"].items())) + ".", ""]
    if "faults" in results:
        f = results["faults"]
        st = f["stored"]
        out += ["### Faults during the load", "", "| at s | fault |", "|---|---|",
                *[f"| {t} | {w} |" for t, w in f["timeline"]], "",
                "| answer during the fault run | count | first at s | last at s |", "|---|---|---|---|",
                *[f"| {k} | {v['count']} | {v['first_s']} | {v['last_s']} |" for k, v in f["errors"].items()], "",
                f"End state: **{'OK' if st['ok'] else 'NOT OK'}**: {st['accepted']} accepted requests, {st['stored']} stored "
                f"{st['with_file']} with their file on disk ({st.get('bytes_match', '?')} byte for byte as uploaded), "
                f"{st['lines_match']} with all their lines; the image-store's deliveries {st['deliveries']} "
                f"({len(st['stored_twice'])} messages stored twice: a redelivery must count as a duplicate), "
                f"outbox {st['outbox_pending']}, queues (ready, unacked) "
                f"{sorted(set(st['queues'].values())) or 'none'}, {len(st['missing_queues'])} queues missing.", ""]
    if "load" in results:
        st = results["load"]["stored"]
        out += [f"Without faults: {st['stored']}/{st['accepted']} stored with files, outbox {st['outbox_pending']}.", ""]
    if "priority" in results:
        p = results["priority"]
        out += [f"### Priority lanes: {env['priority_clients']} normal clients saturate the mesh, "
                f"{env['priority_high']} priority=high clients (one request per second each)", "",
                "| lane | requests | 200 | p50 s | p95 s | p99 s | 503 |", "|---|---|---|---|---|---|---|",
                *[f"| {lane} | {p[lane]['requests']} | {p[lane]['ok']} | {_fmt(p[lane]['p50_s'])} | {_fmt(p[lane]['p95_s'])} "
                  f"| {_fmt(p[lane]['p99_s'])} | {p[lane]['overloaded_503']} |" for lane in ("normal", "high")], "",
                "Model queues afterwards: " + "; ".join(
                    f"{k}: served {v['served']}, refused {v['rejected']}, {v['service_time_s']} s/request"
                    for k, v in p["queues"].items()) + ".", ""]
    if "fuzz" in results:
        fz = results["fuzz"]
        t = fz["tally"]
        codes: dict[str, int] = {}
        for key, n in t["statuses"].items():
            codes[key.split()[-1]] = codes.get(key.split()[-1], 0) + n
        out += [f"### Bad input: {t['total']} requests in {fz['seconds']} s", "",
                "| target | requests |", "|---|---|", *[f"| {k} | {v} |" for k, v in t["per_target"].items()], "",
                "Answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items())) +
                f". Rule violations (5xx, non-JSON error, no answer): **{len(t['failures'])}**"
                + (": " + "; ".join(t["failures"][:5]) if t["failures"] else "") + ". Every service still up: "
                f"**{all(fz['alive'].values())}**.",
                "Known issues of other components, counted apart: "
                + (", ".join(f"{k} ({v}×)" for k, v in t["known_issues"].items()) or "none") + ".", "",
                "Decompression bombs (declared 100 000² PNG, 65 535² GIF, 60 000² BMP and JPEG, 100 000² TIFF, "
                "16 383² WebP; each file < 200 KB): " + ", ".join(
                    f"{k} {v['status']} in {v['ms']} ms" for k, v in fz["bombs"].items()) + ".", ""]
    if "security" in results:
        s = results["security"]
        pa, npm = s["pip_audit"], s["npm_audit"]
        findings = pa.get("findings")
        out += ["### Security checks", "", f"- Repository checks (secret scan, non-root read-only containers): `{s['tests']}`.",
                *[f"  - {x}" for x in s["skips"]],
                f"- pip-audit over the {pa.get('packages', '?')} pins of constraints.txt: "
                + ("no known vulnerability." if findings == [] else
                   ("; ".join(f"{x['package']} {x['version']} {x['id']} (fix: {', '.join(x['fix']) or 'none'})" for x in findings)
                    if findings else f"not run ({pa.get('error', 'pip-audit missing')}).")),
                "- npm audit of services/frontend: " + (
                    f"{npm['metadata']}; " + ", ".join(f"{k} ({v})" for k, v in npm["findings"].items())
                    if "findings" in npm else f"not available here: {npm['error']}"), ""]
    return "\n".join(out)


def write_doc(results: dict) -> None:
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + render(results) + "\n" + text[end:])


def merge(old: dict, new: dict, phases: list[str]) -> dict:
    """The earlier results with the phases of this run replaced; peak memory is the larger of the two runs'."""
    merged = {**old, **{k: v for k, v in new.items() if k in phases}}
    dates = {k: old["environment"]["date"] for k in ("load", "faults", "priority", "fuzz", "security") if k in old}
    dates |= old["environment"].get("phase_dates", {}) | new["environment"]["phase_dates"]
    merged["environment"] = {**new["environment"], "phase_dates": dates}
    peaks = old.get("peak_rss_mb", {})
    merged["peak_rss_mb"] = {k: max(v, peaks.get(k, 0.0)) for k, v in new.get("peak_rss_mb", {}).items()} | {
        k: v for k, v in peaks.items() if k not in new.get("peak_rss_mb", {})}
    return merged


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--gateways", type=int, default=2, help="gateway processes, each on its own port; clients are "
                   "split across them")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of each load run")
    p.add_argument("--priority-clients", type=int, default=12)
    p.add_argument("--priority-high", type=int, default=2)
    p.add_argument("--priority-duration", type=float, default=45.0)
    p.add_argument("--fuzz-cases", type=int, default=10_000)
    p.add_argument("--phases", default="load,faults,priority,fuzz,security")
    p.add_argument("--quick", action="store_true", help="a few seconds of each phase (development)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/reliability.md")
    p.add_argument("--note", default="", help="what else the machine was doing, for the report")
    p.add_argument("--keep-other-phases", action="store_true", help="start from bench/results/reliability.json and "
                   "replace only the phases run now (each phase's date is kept with it)")
    p.add_argument("--workdir", type=Path, help="keep the services' logs, images and broker data here (default: a "
                   "temporary folder, removed afterwards)")
    args = p.parse_args()
    if args.quick:
        args.clients, args.duration, args.priority_clients, args.priority_duration, args.fuzz_cases = 4, 8, 3, 8, 150
    phases = args.phases.split(",")
    images = harness.sample_images()
    results: dict = {"environment": {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": f"{platform.machine()}, "
        f"{__import__('os').cpu_count()} cores", "note": "CPU only, services, PostgreSQL and RabbitMQ on the same host"
        + (f"; {args.note}" if args.note else ""),
        "clients": args.clients, "duration": args.duration, "images": f"{sum(1 for n, _ in images if n.startswith('pages'))} "
        f"pages up to 4 MP and {sum(1 for n, _ in images if n.startswith('lines'))} line crops",
        "priority_clients": args.priority_clients, "priority_high": args.priority_high, "gateways": args.gateways}}
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with (contextlib.nullcontext(str(args.workdir)) if args.workdir
          else tempfile.TemporaryDirectory(prefix="ocrmesh-reliability-")) as tmp:
        mesh, creds = start_mesh(Path(tmp), args.gateways)
        stop = threading.Event()
        rss_sampler(mesh, stop)
        try:
            if "load" in phases:
                results["load"] = load_phase(mesh, creds, images, args.clients, args.duration)
            if "faults" in phases:
                results["faults"] = fault_phase(mesh, creds, images, args.clients, args.duration)
            if "priority" in phases:
                results["priority"] = priority_phase(mesh, creds, images, args.priority_clients, args.priority_high,
                                                     args.priority_duration)
            if "fuzz" in phases:
                results["fuzz"] = fuzz_phase(mesh, creds, args.fuzz_cases)
        finally:
            stop.set()
            mesh.sample_rss()
            results["peak_rss_mb"] = {k: round(v, 1) for k, v in mesh.peak_rss.items()}
            mesh.stop_all()
            harness.drop_database(mesh.database_url)
    if "security" in phases:
        results["security"] = security_phase()
    results["environment"]["phase_dates"] = {k: results["environment"]["date"] for k in phases}
    if args.keep_other_phases and RESULTS.exists():
        results = merge(json.loads(RESULTS.read_text()), results, phases)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str))
    if not args.no_doc:
        write_doc(results)
    print(render(results))
    ok = all(results[k]["stored"]["ok"] for k in ("load", "faults") if k in results)
    ok &= not results.get("fuzz", {}).get("tally", {}).get("failures")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

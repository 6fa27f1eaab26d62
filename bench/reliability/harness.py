"""The real mesh for the reliability campaign: each service as its own process on free ports, a fresh
database, unique queues; faults (broker, database, processes) and the end-state invariants.

Used by bench/reliability/run.py (the full campaign) and tests/reliability (its short version in
`make test`). Everything runs on 127.0.0.1 and stops by itself.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ocrmesh.paths import default_evaldata

from .broker import PrivateBroker
from .ports import free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("OCRMESH_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
EVALDATA = default_evaldata()
SERVICES = ("detection", "recognition", "image-store", "gateway")
MODULES = {"detection": "ocr_detection.main", "recognition": "ocr_recognition.main",
           "image-store": "ocr_imagestore.main", "gateway": "ocr_gateway.main"}


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"{what} not met within {timeout:.0f}s")
        time.sleep(interval)


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def uvicorn_workers(port: int, module: str = "ocr_gateway.main") -> list[int]:
    """Pids of the worker processes of the uvicorn (`--workers N`) serving `module` on `port`: children of its
    supervisor spawned by multiprocessing (its resource tracker is not one)."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            procs[int(entry.name)] = (ppid, cmdline)
    supervisors = [pid for pid, (_, cmd) in procs.items()
                   if f"{module}:create_app".encode() in cmd and str(port).encode() in cmd]
    return [pid for pid, (ppid, cmd) in procs.items() if ppid in supervisors and any(b"spawn_main" in c for c in cmd)]


def create_database() -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"ocrmesh_rel_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    for _ in range(30):   # right after a Postgres restart the server may still be starting
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            break
        except sa.exc.OperationalError:
            time.sleep(1)
    admin.dispose()


@dataclass
class Mesh:
    """Four services on free ports; `gateways` gateway processes (`gateway`, `gateway-2`, ...: each on a port
    of its own, sharing the database, the peers and the queues, as replicas behind a Service do). `env` adds
    settings per service name (`gateway` for every gateway process, or "*" for all)."""

    workdir: Path
    database_url: str
    env: dict[str, dict[str, str]] = field(default_factory=dict)
    nice: int = 0
    gateways: int = 1

    def __post_init__(self):
        suffix = secrets.token_hex(4)
        self.queues = {"IMAGE_QUEUE": f"rel.imageQueue.{suffix}", "IMAGE_DATA_QUEUE": f"rel.imageDataQueue.{suffix}",
                       "TEXT_CORRECTION_QUEUE": f"rel.textCorrectionQueue.{suffix}"}
        self.gateway_names = ["gateway", *[f"gateway-{i}" for i in range(2, self.gateways + 1)]]
        self.ports = {name: free_port() for name in (*SERVICES, *self.gateway_names[1:])}
        self.image_root = self.workdir / "images"
        self.logs = self.workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.peak_rss: dict[str, float] = {}
        self.broker = PrivateBroker(self.workdir / "broker")   # the mesh's own node: faults kill it, not the machine's

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def gateway_urls(self) -> list[str]:
        return [self.url(name) for name in self.gateway_names]

    @staticmethod
    def kind(name: str) -> str:
        """The service a process runs: `gateway-2` is a gateway."""
        return "gateway" if name.startswith("gateway") else name

    def service_env(self, name: str) -> dict:
        env = dict(os.environ, OTEL_SERVICE_NAME=name, LOG_LEVEL="WARNING", **self.queues)
        for key in ("PORT", "OTEL_EXPORTER_OTLP_ENDPOINT", "ENABLE_TRACING"):
            env.pop(key, None)
        if name == "image-store":   # INFO: its log has a line per message stored (see store_outcomes)
            env.update(DATABASE_URL=self.database_url, RABBITMQ_URL=self.broker.url, IMAGE_ROOT=str(self.image_root),
                       RETRY_BACKOFF_MAX="1", LOG_LEVEL="INFO")
        if self.kind(name) == "gateway":
            env.update(DETECTION_URL=self.url("detection"), RECOGNITION_URL=self.url("recognition"),
                       IMAGESTORE_URL=self.url("image-store"), RABBITMQ_URL=self.broker.url, DATABASE_URL=self.database_url)
        env.update(self.env.get("*", {}))
        env.update(self.env.get(self.kind(name), {}))
        return env

    def start(self, name: str, timeout: float = 180) -> None:
        cmd = [str(BIN / "uvicorn"), f"{MODULES[self.kind(name)]}:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(self.ports[name]), "--no-access-log", "--log-level", "warning"]
        if self.nice:
            cmd = ["nice", "-n", str(self.nice), *cmd]
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(cmd, env=self.service_env(name), cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {(self.logs / f'{name}.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url(name)}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{name} did not become ready in {timeout:.0f}s")

    def start_all(self) -> None:
        self.broker.start()
        for name in (*SERVICES, *self.gateway_names[1:]):
            self.start(name)

    def _record_rss(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is not None:
            rss = peak_rss_mb(proc.pid)
            if rss is not None:
                self.peak_rss[name] = max(self.peak_rss.get(name, 0.0), rss)

    def sample_rss(self) -> None:
        for name in list(self.procs):
            self._record_rss(name)

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        self._record_rss(name)
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(30)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):   # gateways first, the services they call after them
            self.kill(name, signal.SIGTERM)
        self.broker.stop()

    # ----------------------------------------------------------------------------- end state
    def outbox_pending(self) -> int:
        """Rows in the gateway's outbox (PostgreSQL, shared by every gateway process)."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM gateway.outbox")).scalar_one()
        finally:
            engine.dispose()

    def store_outcomes(self) -> Counter:
        """(queue, request_id, outcome) -> deliveries the image-store handled, from its JSON log: "stored"
        once per message, "duplicate" for every redelivery or second publish it recognised."""
        return store_outcomes(self.logs / "image-store.log")

    def expected_queues(self) -> set[str]:
        return {q for base in self.queues.values() for q in (base, f"{base}.dlq")}

    def queue_counts(self) -> dict[str, tuple[int, int]]:
        """(ready, unacknowledged) of every work queue and dead-letter queue of this mesh."""
        out = self.broker.ctl("list_queues", "name", "messages_ready", "messages_unacknowledged")
        names = self.expected_queues()
        counts = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] in names:
                counts[parts[0]] = (int(parts[1]), int(parts[2]))
        return counts


# ------------------------------------------------------------------------------------------ faults

def restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                   capture_output=True, timeout=120)


# -------------------------------------------------------------------------------------- invariants

def store_outcomes(log: Path) -> Counter:
    """(queue, request_id, outcome) counts of the image-store's "stored"/"duplicate" log lines."""
    counts: Counter = Counter()
    if not log.exists():
        return counts
    for line in log.read_text(errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("outcome") and row.get("request_id"):
            counts[(row.get("queue"), row["request_id"], row["outcome"])] += 1
    return counts


def stored_twice(outcomes: Counter, ids) -> list[str]:
    """Requests one of whose messages was stored more than once (a redelivery must be a "duplicate")."""
    wanted = set(ids)
    return sorted({rid for (_, rid, outcome), n in outcomes.items() if outcome == "stored" and n > 1 and rid in wanted})


def check_stored(mesh: Mesh, accepted: dict[str, int], timeout: float = 180.0, sent: dict[str, str] | None = None,
                 owners: dict[str, str] | None = None) -> dict:
    """Waits until every accepted request (request_id -> lines) is stored with its file and all its lines,
    the outbox is empty and every queue of the mesh exists and is empty; returns what was found, `ok`
    False on a timeout (assert_stored raises then). With `sent` (request_id -> sha256 of the upload) the
    stored files are compared byte for byte; with `owners` (request_id -> owner) the stored owners."""
    import sqlalchemy as sa

    engine = sa.create_engine(mesh.database_url, pool_pre_ping=True)
    ids = list(accepted)

    def snapshot():
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, path, data_received, owner FROM image WHERE id = ANY(:ids)"),
                                {"ids": ids}).all()
            boxes = dict(conn.execute(sa.text("SELECT image_id, count(*) FROM image_box WHERE image_id = ANY(:ids) "
                                              "GROUP BY image_id"), {"ids": ids}).all())
        return rows, boxes

    def settled():
        try:
            rows, boxes = snapshot()
        except sa.exc.OperationalError:
            return False
        complete = {r.id for r in rows if r.path and r.data_received and (mesh.image_root / r.path).is_file()
                    and boxes.get(r.id, 0) == accepted[r.id]}
        if len(complete) != len(ids) or mesh.outbox_pending():
            return False
        return queues_empty(mesh.queue_counts(), mesh.expected_queues())

    try:
        wait_until(settled, timeout, interval=1.0, what="everything accepted stored, outbox and queues empty")
        ok = True
    except AssertionError:
        ok = False
    rows, boxes = snapshot()
    engine.dispose()
    stored = {r.id for r in rows}
    files = {r.id: mesh.image_root / r.path for r in rows if r.path and (mesh.image_root / r.path).is_file()}
    outcomes = mesh.store_outcomes()
    deliveries: Counter = Counter()
    for (_, rid, outcome), n in outcomes.items():
        if rid in accepted:
            deliveries[outcome] += n
    queues = mesh.queue_counts()
    state = {"ok": ok, "accepted": len(ids), "stored": len(stored), "missing": sorted(set(ids) - stored)[:10],
             "with_file": len(files), "lines_match": sum(1 for i in ids if boxes.get(i, 0) == accepted[i]),
             "stored_twice": stored_twice(outcomes, ids),
             "deliveries": dict(deliveries),
             "outbox_pending": mesh.outbox_pending(), "queues": queues,
             "missing_queues": sorted(mesh.expected_queues() - set(queues))}
    if sent is not None:
        state["bytes_match"] = sum(1 for i, path in files.items()
                                   if i in sent and hashlib.sha256(path.read_bytes()).hexdigest() == sent[i])
    if owners is not None:
        state["owners_match"] = sum(1 for r in rows if r.id in owners and r.owner == owners[r.id])
    return state


def queues_empty(counts: dict[str, tuple[int, int]], expected: set[str]) -> bool:
    """Every expected queue is listed and has nothing ready or unacknowledged (an unlisted queue is not empty:
    it may not exist, or the listing failed)."""
    return expected <= set(counts) and all(counts[q] == (0, 0) for q in expected)


def assert_stored(mesh: Mesh, accepted: dict[str, int], timeout: float = 180.0, sent: dict[str, str] | None = None,
                  owners: dict[str, str] | None = None) -> dict:
    """check_stored, raising with what it found unless all of it holds: every accepted request stored once
    with its file (its bytes, its owner) and lines, no message stored twice, outbox and queues empty."""
    state = check_stored(mesh, accepted, timeout, sent, owners)
    n = state["accepted"]
    good = (state["ok"] and state["stored"] == state["with_file"] == state["lines_match"] == n
            and not state["stored_twice"] and state["outbox_pending"] == 0 and not state["missing_queues"]
            and state.get("bytes_match", n) == n and state.get("owners_match", n) == n
            and state["deliveries"].get("stored", 0) >= n)   # at least the image message of each was seen stored
    if not good:
        raise AssertionError(f"the mesh lost, duplicated or mangled accepted data: {state}")
    return state


def sample_images(limit_pixels: int = 4_000_000, lines: int = 60) -> list[tuple[str, bytes]]:
    """Real images of the dev set: the pages up to `limit_pixels` and `lines` line crops."""
    from PIL import Image

    pages = []
    for path in sorted((EVALDATA / "pages").glob("*/*.png")):
        with Image.open(path) as im:
            if im.width * im.height <= limit_pixels:
                pages.append((f"pages/{path.parent.name}/{path.name}", path.read_bytes()))
    crops = sorted((EVALDATA / "lines").glob("*/*.png"))
    step = max(1, len(crops) // max(lines, 1))
    return pages + [(f"lines/{p.parent.name}/{p.name}", p.read_bytes()) for p in crops[::step][:lines]]

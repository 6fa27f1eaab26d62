"""Throughput of the whole mesh beside a peer OCR server, in one run on the same pages (`make bench-throughput`).

    .venv/bin/python bench/throughput.py --manifest ../shared/evaldata/dev/pages/manifest.jsonl

The mesh runs as `make up` runs it (one process per service, the gateway with one worker, auth off) on free
ports with a RabbitMQ node and a database of its own (bench/reliability/harness.py). Closed-loop clients
(8, then 16), each cycling through the dev pages in its own seeded shuffle, send them through POST /v1/ocr for
--seconds each: pages/s, latency percentiles (also by the pages' folder, their dev subset), and per service the
peak resident memory and the CPU seconds spent per page, and apart from those the CPU seconds per page of
PostgreSQL (all of the machine's server processes) and of the mesh's RabbitMQ node. Then the same for
the peer, `rapidocr-api` (PyPI; RapidOCR with ONNX Runtime and the PP-OCR models its wheel ships), POST /ocr,
installed into a virtualenv of its own under --peer-dir so that it does not touch .venv's pins.

Before the load, every page is read once through the gateway and once in-process (ocr_models.loader +
PageReader): the mesh must give the same text. Results: bench/results/throughput.json; the figures go into
docs/performance.md by hand. CPU-heavy (about 6 minutes): run it alone, under `nice`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import httpx  # noqa: E402
from reliability import harness  # noqa: E402

REPO = harness.REPO
RESULTS = REPO / "bench" / "results" / "throughput.json"
PEER = ["rapidocr-api==0.2.0", "rapidocr==3.10.0", "onnxruntime==1.32.0"]   # what was measured (docs/performance.md)
# make up's setting where the bench must not be throttled: no rate limit or quota per owner (auth is off anyway).
GATEWAY_ENV = {"RATE_LIMIT_PER_MINUTE": "0", "DAILY_QUOTA": "0"}
WARM_UP = 4   # pages sent one by one before the clients start
PAGE_ORDER_SEED = 13   # client i cycles through the pages in its own order, shuffled with seed PAGE_ORDER_SEED + i


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------------------------------ processes
def _stat(pid: int | str) -> tuple[str, list[str]]:
    """(command name, the fields after it) of /proc/PID/stat; field 1 is the parent, 11-14 utime, stime, and the
    reaped children's cutime, cstime, in clock ticks."""
    head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    return head.split("(", 1)[1], tail.split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far."""
    fields = _stat(pid)[1]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds of the process and of its children it has reaped)."""
    table, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, fields = _stat(entry.name)
        except OSError:   # gone meanwhile
            continue
        table[int(entry.name)] = (int(fields[1]), name, sum(int(f) for f in fields[11:15]) / tick)
    return table


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU of the processes under `roots`, those that exited included (in their parent's reaped-children time):
    the database server's connection backends and the broker's Erlang VM come and go or sit below a script."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][2]
            todo.extend(children.get(pid, []))
    return total


def postgres_roots() -> list[int]:
    """The machine's PostgreSQL server processes (postmasters): `postgres` processes whose parent is not one."""
    table = _proc_table()
    return [pid for pid, (ppid, name, _) in table.items()
            if name == "postgres" and table.get(ppid, (0, "", 0))[1] != "postgres"]


def reset_peak_rss(pid: int) -> None:
    """Restarts the kernel's peak-RSS count (VmHWM) of a process, so each load phase reports its own peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def peer_python(peer_dir: Path) -> Path:
    """The peer's virtualenv, made on first use."""
    venv = peer_dir / "venv"
    python = venv / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import rapidocr_api"], capture_output=True).returncode:
        log(f"installing {' '.join(PEER)} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER], check=True)
    return python


def start_peer(python: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = harness.free_port()
    log_file = open(workdir / "rapidocr-api.log", "ab")
    proc = subprocess.Popen([str(python.parent / "rapidocr_api"), "-ip", "127.0.0.1", "-p", str(port)],
                            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True, cwd=workdir)
    url = f"http://127.0.0.1:{port}"

    def up():
        if proc.poll() is not None:
            raise RuntimeError(f"rapidocr-api exited: {(workdir / 'rapidocr-api.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return True
        except OSError:
            return False

    harness.wait_until(up, 180, 0.5, "rapidocr-api answering")
    return proc, url


def for_peer(name: str, data: bytes) -> tuple[str, bytes]:
    """rapidocr-api fails (500) on 1-bit images (numpy gives it booleans): those pages go to it as 8-bit grey PNGs
    of the same pixels; the others as they are."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        if im.mode != "1":
            return name, data
        out = io.BytesIO()
        im.convert("L").save(out, "PNG")
        return name, out.getvalue()


def peer_version(python: Path) -> dict:
    code = "import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in ('rapidocr-api', 'rapidocr', 'onnxruntime')}))"
    return json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout)


# ------------------------------------------------------------------------------------------ load
class System:
    """One OCR server under test: how to send it a page, and its processes (name -> pid)."""

    def __init__(self, name: str, url: str, path: str, field: str, pids: dict[str, int],
                 backing: dict[str, list[int]] | None = None):
        self.name, self.url, self.path, self.field, self.pids = name, url, path, field, pids
        self.backing = backing or {}   # servers it needs beside its own processes (name -> process tree roots)

    def post(self, client: httpx.Client, name: str, data: bytes) -> httpx.Response:
        return client.post(self.url + self.path,
                           files={self.field: (Path(name).name, data, "application/octet-stream")})


def closed_loop(system: System, pages: list[tuple[str, bytes]], clients: int, seconds: float,
                grouped: bool = False) -> dict:
    """`clients` threads, each sending its next page as soon as the last one was answered, for `seconds`. Each
    client cycles through the pages in its own seeded shuffle, so that the load is a steady mix: the manifest
    lists a subset's pages together, and taken in its order (`grouped`) eight clients get eight DocBank pages at
    once and each waits behind the other seven."""
    for pid in system.pids.values():
        reset_peak_rss(pid)
    cpu_before = {n: cpu_seconds(p) for n, p in system.pids.items()}
    backing_before = {n: tree_cpu_seconds(r) for n, r in system.backing.items()}
    latencies: list[float] = []
    by_folder: dict[str, list[float]] = {}   # the pages' folder (their dev subset) -> latencies: what sets p99
    errors: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(10**9))
    start = time.monotonic()
    end = start + seconds

    def client_loop(index: int):
        # --grouped: every client takes the next page of one round robin; else each its own shuffle and count
        order = pages if grouped else random.Random(PAGE_ORDER_SEED + index).sample(pages, len(pages))
        turns = counter if grouped else iter(range(10**9))
        with httpx.Client(timeout=600) as client:
            while True:
                t0 = time.monotonic()
                if t0 >= end:
                    return
                with lock:
                    name, data = order[next(turns) % len(order)]
                try:
                    response = system.post(client, name, data)
                    status = response.status_code
                    if status != 200:   # the error's code and detail, so that a failure says why
                        status = f"{status} {response.text[:160]}"
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                t1 = time.monotonic()
                with lock:
                    if t1 > end:        # answered after the window: neither counted nor timed
                        return
                    if status == 200:
                        latencies.append(t1 - t0)
                        by_folder.setdefault(name.split("/")[0], []).append(t1 - t0)
                    else:
                        errors[str(status)] = errors.get(str(status), 0) + 1

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    cpu = {n: cpu_seconds(p) - cpu_before[n] for n, p in system.pids.items()}
    backing = {n: tree_cpu_seconds(r) - backing_before[n] for n, r in system.backing.items()}
    rss = {n: harness.peak_rss_mb(p) for n, p in system.pids.items()}
    done = len(latencies)
    q = statistics.quantiles(latencies, n=100, method="inclusive") if done >= 2 else [float("nan")] * 99
    return {"clients": clients, "seconds": round(seconds, 1), "pages": done, "errors": errors,
            "pages_per_s": round(done / seconds, 3),
            "latency_s": {"p50": round(q[49], 2), "p95": round(q[94], 2), "p99": round(q[98], 2),
                          "max": round(max(latencies), 2) if latencies else None},
            "latency_by_folder_s": {f: {"pages": len(v), "median": round(statistics.median(v), 2),
                                        "max": round(max(v), 2)} for f, v in sorted(by_folder.items())},
            "cpu_s_per_page": {n: round(c / max(done, 1), 3) for n, c in cpu.items()} | {
                "total": round(sum(cpu.values()) / max(done, 1), 3)},
            # not in the total above, so that it stays comparable with the peer's, which has no such servers
            "backing_cpu_s_per_page": {n: round(c / max(done, 1), 3) for n, c in backing.items()},
            "peak_rss_mb": {n: round(v, 1) for n, v in rss.items() if v is not None} | {
                "total": round(sum(v for v in rss.values() if v is not None), 1)},
            "wall_s": round(wall, 1)}


def run_phases(system: System, pages, clients: list[int], seconds: float, grouped: bool = False) -> list[dict]:
    out = []
    with httpx.Client(timeout=600) as client:   # warm-up
        for name, data in pages[:WARM_UP]:
            system.post(client, name, data).raise_for_status()
    for n in clients:
        log(f"{system.name}: {n} clients for {seconds:.0f} s")
        row = closed_loop(system, pages, n, seconds, grouped)
        log(f"  {row['pages_per_s']} pages/s, p50 {row['latency_s']['p50']} s, p99 {row['latency_s']['p99']} s, "
            f"errors {row['errors']}, CPU s/page {row['cpu_s_per_page']} (beside it {row['backing_cpu_s_per_page']}), "
            f"peak RSS MiB {row['peak_rss_mb']}")
        out.append(row)
    return out


def same_as_in_process(mesh: harness.Mesh, pages: list[tuple[str, bytes]]) -> dict:
    """Each page through the gateway against PageReader in this process: the same text and boxes?"""
    from ocr_common.images import ImageLimits, decode_image
    from ocr_models.loader import load_detector, load_recognizer
    from ocr_models.pipeline import PageReader

    reader = PageReader(load_detector(), load_recognizer())
    limits = ImageLimits(max_bytes=500_000_000, max_pixels=200_000_000, max_side=40_000)
    same_text = same_points = 0
    differ = []
    with httpx.Client(timeout=600) as client:
        for name, data in pages:
            response = client.post(mesh.url("gateway") + "/v1/ocr", files={"image": (Path(name).name, data)})
            if response.status_code != 200:
                raise RuntimeError(f"{name}: {response.status_code} {response.text[:500]}")
            answer = response.json()
            local = reader.read(decode_image(data, limits, grey=True).pixels)
            same_text += answer["text"] == local.text
            same_points += [ln["points"] for ln in answer["lines"]] == \
                [[[round(x, 1), round(y, 1)] for x, y in ln.points] for ln in local.lines]
            if answer["text"] != local.text:
                differ.append(name)
    return {"pages": len(pages), "same_text": same_text, "same_points": same_points, "differ": differ}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("--clients", type=int, nargs="+", default=[8, 16])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--peer-dir", type=Path, default=Path("/var/tmp/ocrmesh-peer"))
    p.add_argument("--no-peer", action="store_true", help="measure the mesh only")
    p.add_argument("--env", action="append", default=[], metavar="SERVICE:KEY=VALUE",
                   help="a setting for one service of the mesh (e.g. recognition:WORKERS=2)")
    p.add_argument("--no-check", action="store_true", help="skip the gateway-against-in-process comparison")
    p.add_argument("--note", default="", help="what else the machine ran")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--grouped", action="store_true",
                   help="all clients take the next page in the manifest's order (grouped by subset), instead of each "
                        "client cycling through the pages in its own seeded shuffle")
    args = p.parse_args()

    from ocr_models.evaluation import read_manifest, resolve_image

    pages = [(r["image"], resolve_image(args.manifest, r["image"]).read_bytes())   # name: the folder (subset) too
             for r in read_manifest(args.manifest)]
    env = {"gateway": dict(GATEWAY_ENV)}
    for item in args.env:
        service, setting = item.split(":", 1)
        key, value = setting.split("=", 1)
        env.setdefault(service, {})[key] = value
    results = {"environment": {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                               "machine": platform.machine(), "pages": len(pages), "note": args.note,
                               "page_order": "manifest, round robin" if args.grouped else
                               f"each client its own shuffle (seed {PAGE_ORDER_SEED} + client)",
                               "mesh_env": env}}
    python = None if args.no_peer else peer_python(args.peer_dir)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"ocrmesh-throughput-{os.getpid()}"
    workdir.mkdir(parents=True)

    log("starting the mesh")
    mesh = harness.Mesh(workdir, harness.create_database(), env=env)
    try:
        mesh.start_all()
        if not args.no_check:
            results["same_as_in_process"] = same_as_in_process(mesh, pages)
            log(f"gateway against in-process: {results['same_as_in_process']}")
        pids = {name: proc.pid for name, proc in mesh.procs.items()}
        backing = {"postgresql": postgres_roots(), "rabbitmq": [mesh.broker.proc.pid]}
        system = System("ocrmesh", mesh.url("gateway"), "/v1/ocr", "image", pids, backing)
        results["ocrmesh"] = run_phases(system, pages, args.clients, args.seconds, args.grouped)
    finally:
        mesh.stop_all()
        harness.drop_database(mesh.database_url)

    if python is not None:
        log("starting rapidocr-api")
        proc, url = start_peer(python, workdir)
        try:
            results["environment"]["peer"] = peer_version(python)
            peer = System("rapidocr-api", url, "/ocr", "image_file", {"rapidocr-api": proc.pid})
            results["rapidocr-api"] = run_phases(peer, [for_peer(*p) for p in pages], args.clients, args.seconds,
                                                     args.grouped)
        finally:
            proc.terminate()
            proc.wait(30)
        for ours, theirs in zip(results["ocrmesh"], results["rapidocr-api"]):
            ours["vs_peer"] = round(ours["pages_per_s"] / max(theirs["pages_per_s"], 1e-9), 1)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The learning-from-corrections loop on real documents (`make learn`), end to end, as a deployment's users
would run it: start the mesh, upload the SROIE receipts through the gateway, post their transcriptions as
corrections (text and boxes), export, fine-tune both models from the base weights, evaluate, promote, and
write docs/learning.md with the before/after table and the training curves.

    .venv/bin/python bench/learning.py                      # the whole loop (about 1.5 hours on 2 cores)
    .venv/bin/python bench/learning.py --limit 20 --hours 0.05 --no-promote   # a quick rehearsal

The corrections are what a careful person would post in the UI: a detected line that matches a receipt
segment (IoU >= 0.5) gets the segment's text and box; a detected line that matches none is deleted (it
merged segments, or it is not text); a segment no line matches is added as a new box.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from reliability.ports import free_port

from ocr_models.checkpoint import load_checkpoint

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
SROIE = REPO.parent / "shared" / "trainingdata" / "sroie" / "manifest.jsonl"
DATABASE_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/ocrmesh_learn"


def box_iou(a, b) -> float:
    ax0, ay0 = min(p[0] for p in a), min(p[1] for p in a)
    ax1, ay1 = max(p[0] for p in a), max(p[1] for p in a)
    bx0, by0 = min(p[0] for p in b), min(p[1] for p in b)
    bx1, by1 = max(p[0] for p in b), max(p[1] for p in b)
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if union > 0 else 0.0


def correction_for(detected: list[dict], truth: list[dict]) -> list[dict]:
    """Line corrections that turn the detected lines into the receipt's segments (see the module doc)."""
    pairs = sorted(((box_iou(d["points"], t["points"]), i, j) for i, d in enumerate(detected)
                    for j, t in enumerate(truth)), reverse=True)
    matched_d, matched_t, lines = set(), set(), []
    for iou, i, j in pairs:
        if iou < 0.5:
            break
        if i not in matched_d and j not in matched_t:
            matched_d.add(i)
            matched_t.add(j)
            lines.append({"index": i, "text": truth[j]["text"], "points": truth[j]["points"]})
    lines += [{"index": i, "deleted": True} for i in range(len(detected)) if i not in matched_d]
    new = (len(detected) + k for k in range(len(truth)))
    lines += [{"index": next(new), "text": t["text"], "points": t["points"]}
              for j, t in enumerate(truth) if j not in matched_t]
    return lines


class Mesh:
    """`scripts/up.py` on free ports with its own database, files and queues; stopped with SIGINT."""

    def __init__(self, var: Path):
        self.ports = {name: free_port() for name in ("GATEWAY_PORT", "DETECTION_PORT", "RECOGNITION_PORT", "IMAGESTORE_PORT")}
        suffix = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        env = dict(os.environ, **{k: str(v) for k, v in self.ports.items()}, OCRMESH_VAR=str(var),
                   DATABASE_URL=DATABASE_URL, TRAINING_OWNERS="*", IMAGE_QUEUE=f"learn.imageQueue.{suffix}",
                   IMAGE_DATA_QUEUE=f"learn.imageDataQueue.{suffix}", TEXT_CORRECTION_QUEUE=f"learn.textCorrectionQueue.{suffix}")
        self.queues = [env["IMAGE_QUEUE"], env["IMAGE_DATA_QUEUE"], env["TEXT_CORRECTION_QUEUE"]]
        self.log = (var.parent / "mesh.log").open("ab")
        self.proc = subprocess.Popen([str(BIN / "python"), str(REPO / "scripts" / "up.py")], env=env, cwd=REPO,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def wait_ready(self, timeout: float = 600) -> None:
        import httpx

        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the mesh exited; see mesh.log")
            try:
                if httpx.get(f"{self.url('GATEWAY_PORT')}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError("the mesh did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            self.proc.wait(60)
        self.log.close()
        import pika

        conn = pika.BlockingConnection(pika.URLParameters("amqp://guest:guest@127.0.0.1:5672/%2F"))
        for q in self.queues:
            for name in (q, f"{q}.dlq"):
                conn.channel().queue_delete(name)
        conn.close()


def fresh_database() -> None:
    import sqlalchemy as sa

    url = sa.engine.make_url(DATABASE_URL)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def teach(mesh: Mesh, rows: list[dict], workers: int = 2) -> dict:
    """Uploads every receipt and posts its correction; returns counts (and checks nothing was refused)."""
    import httpx
    from tqdm import tqdm

    gateway = mesh.url("GATEWAY_PORT")

    def one(row: dict) -> tuple[str, int, int]:
        image = SROIE.parent / row["image"]
        with httpx.Client(base_url=gateway, timeout=300) as client:
            r = client.post("/v1/ocr", files={"image": (image.name, image.read_bytes(), "image/jpeg")})
            r.raise_for_status()
            result = r.json()
            lines = correction_for(result["lines"], [b for b in row["boxes"] if b["text"].strip()])
            for _attempt in range(60):        # the result is stored asynchronously; a correction needs it
                c = client.post(f"/v1/ocr/{result['request_id']}/corrections", json={"lines": lines})
                if c.status_code != 404:
                    break
                time.sleep(1)
            c.raise_for_status()
            n = len(result["lines"])
            return {"detected_lines": n, "line_corrections": len(lines),
                    "deleted": sum(1 for ln in lines if ln.get("deleted")),
                    "added": sum(1 for ln in lines if ln["index"] >= n)}

    with ThreadPoolExecutor(workers) as pool:
        done = list(tqdm(pool.map(one, rows), total=len(rows), desc="upload + correct", unit="receipt"))
    counts = {"receipts": len(done)} | {k: sum(d[k] for d in done) for k in done[0]}
    counts["corrected_in_place"] = counts["line_corrections"] - counts["deleted"] - counts["added"]
    return counts


def wait_stored(mesh: Mesh, n: int, timeout: float = 600) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        seen, params = 0, {"training": "true", "limit": 200}
        while True:
            body = httpx.get(f"{mesh.url('IMAGESTORE_PORT')}/v1/images", params=params, timeout=30).json()
            seen += len(body["items"])
            if not body.get("next_cursor"):
                break
            params["cursor"] = body["next_cursor"]
        if seen >= n:
            return
        time.sleep(2)
    raise RuntimeError(f"only {seen} of {n} corrected receipts reached the image-store")


def run(cmd: list[str], log: Path) -> subprocess.Popen:
    print("$", " ".join(cmd), flush=True)
    return subprocess.Popen(cmd, cwd=REPO, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_all(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError(f"{' '.join(p.args)} failed")


def write_report(path: Path, record: dict) -> None:
    from ocrmesh.models import DEFAULT_TOLERANCE

    lines = ["# Learning from corrections: the loop on real receipts", "",
             f"Written by `make learn` ({record['finished']}): {record['hours']:.2f} h on this 2-core machine "
             f"(upload, corrections and export {record['teach']['minutes']:.0f} min; both fine-tunes side by side "
             f"{record['train_hours']:.2f} h; evaluation and promotion {record['evaluate_minutes']:.0f} min). "
             f"{record['teach']['receipts']} SROIE receipts (research data, see the model card in docs/models.md) "
             "were uploaded through the gateway and corrected through it; the export gave "
             f"{record['export']['lines']} training lines. Both models were fine-tuned from `{record['base']}` "
             "with real and synthetic batches alternating (receipt labels are upper-case only: case-folded loss).",
             "", f"The corrections, as a person would post them in the UI: {record['teach']['corrected_in_place']} "
             f"detected lines given their text and box, {record['teach']['deleted']} deleted (they merged segments "
             f"or were not text), {record['teach']['added']} boxes added, out of "
             f"{record['teach']['detected_lines']} detected lines.",
             "", "## Before and after, on the dev evaluation data", ""]
    for kind in ("detector", "recognizer"):
        chosen = record["candidates"][kind]
        lines += [f"**{kind}**: promoted {'yes' if record['promoted'][kind] else 'no'}; candidate `{chosen['path']}` "
                  f"(fine-tune weight {chosen['alpha']}). Each tried weight against the current model "
                  f"(refused where a gated subset is worse by more than {DEFAULT_TOLERANCE} points):", ""]
        for alpha, rows in record["scores"][kind].items():
            lines += [f"fine-tune weight {alpha}:", "", "| subset | metric | current | candidate | change (points) |",
                      "|---|---|---|---|---|"]
            for r in rows:
                flag = " (worse)" if r["worse"] else ("" if r["gated"] else " (sanity check)")
                lines.append(f"| {r['subset']} | {r['metric']} | {r['current'] * 100:.2f} % | "
                             f"{r['candidate'] * 100:.2f} % | {r['change_points']:+.2f}{flag} |")
            lines.append("")
    lines += ["## Training curves", "", "![recognizer](learning-recognizer-curve.png)", "",
              "![detector](learning-detector-curve.png)", "", "## Commands", "", "```bash",
              *record["commands"], "```", ""]
    path.write_text("\n".join(lines))


def teach_and_export(rows: list[dict], out: Path, export_dir: Path) -> dict:
    """The mesh on a fresh database: every receipt uploaded and corrected, then exported; the counts."""
    subprocess.run(["bash", str(REPO / "scripts" / "infra.sh")], check=True)
    fresh_database()
    mesh = Mesh(out / "var")
    try:
        mesh.wait_ready()
        taught = teach(mesh, rows)
        wait_stored(mesh, len(rows))
        subprocess.run([str(BIN / "ocrmesh"), "corrections", "export", "--out", str(export_dir),
                        "--imagestore-url", mesh.url("IMAGESTORE_PORT")], cwd=REPO, check=True)
    finally:
        mesh.stop()
    return taught


STAGES = ("teach", "train", "evaluate")
BLEND = (1.0, 0.75, 0.5)   # weight of the fine-tune when it is interpolated with the base (1.0: the fine-tune)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=SROIE, help="receipts with boxes and transcriptions")
    p.add_argument("--limit", type=int, default=None, help="only the first N receipts")
    p.add_argument("--base", default="synthetic-v1", help="version (or .pt of both kinds' folder) to fine-tune from")
    p.add_argument("--hours", type=float, default=1.2, help="time budget of each fine-tune (both run side by side)")
    p.add_argument("--out", type=Path, default=REPO / "runs" / "learn")
    p.add_argument("--report", type=Path, default=REPO / "docs" / "learning.md")
    p.add_argument("--no-promote", action="store_true", help="evaluate only")
    p.add_argument("--from-stage", choices=STAGES, default="teach",
                   help="start at this stage, reusing what the earlier ones left in --out (e.g. after a stop)")
    args = p.parse_args()

    started = time.time()
    rows = [json.loads(x) for x in args.data.read_text().splitlines() if x.strip()][: args.limit]
    export_dir = args.out / "export"
    if args.from_stage == "teach":
        shutil.rmtree(args.out, ignore_errors=True)
        args.out.mkdir(parents=True)
        taught = teach_and_export(rows, args.out, export_dir) | {"minutes": round((time.time() - started) / 60, 1)}
        (args.out / "taught.json").write_text(json.dumps(taught))
    taught = json.loads((args.out / "taught.json").read_text())
    exported = [json.loads(x) for x in (export_dir / "manifest.jsonl").read_text().splitlines()]
    export = {"receipts": len(exported), "lines": sum(1 for r in exported for b in r["boxes"] if "ignore" not in b)}
    expected = sum(1 for r in rows for b in r["boxes"] if b["text"].strip())
    if export["lines"] != expected:
        raise RuntimeError(f"the export has {export['lines']} lines, the receipts {expected}: corrections were lost")

    evaldata = REPO.parent / "shared" / "evaldata" / "dev"
    manifest = export_dir / "manifest.jsonl"
    base = {kind: REPO / "models" / "versions" / kind / f"{args.base}.pt" for kind in ("recognizer", "detector")}
    common = ["--data", str(manifest), "--real-fraction", "0.5", "--hours", str(args.hours), "--threads", "1",
              "--workers", "1", "--seed", "2027", "--warmup", "100"]
    commands = [
        [str(BIN / "ocrmesh"), "train", "recognizer", "--init", str(base["recognizer"]), "--out", str(args.out / "recognizer"),
         "--lr", "5e-4", "--steps", "30000", "--eval-every", "500", "--eval-manifest", str(evaldata / "lines" / "manifest.jsonl"), *common],
        [str(BIN / "ocrmesh"), "train", "detector", "--init", str(base["detector"]), "--out", str(args.out / "detector"),
         "--lr", "7e-4", "--steps", "40000", "--eval-every", "250", "--eval-manifest", str(evaldata / "pages" / "manifest.jsonl"), *common],
    ]
    if args.from_stage != "evaluate":
        wait_all([run(cmd, args.out / f"train-{cmd[2]}.log") for cmd in commands])

    evaluating = time.time()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    record = {"base": args.base, "teach": taught, "export": export,
              "candidates": {}, "scores": {}, "promoted": {}, "commands": [" ".join(c) for c in commands]}
    from ocr_models.model_scores import scores_of
    from ocr_models.registry import ModelStore, interpolate
    from ocrmesh.models import DEFAULT_TOLERANCE, gate, store_and_promote

    store = ModelStore(REPO / "models")
    for kind in ("detector", "recognizer"):   # the detector first: the recognizer is then scored on its boxes
        tuned = args.out / f"{kind}-tuned.pt"
        subprocess.run([str(BIN / "ocrmesh"), "export", kind, "--checkpoint", str(args.out / kind / f"{kind}.pt"),
                        "--out", str(tuned)], cwd=REPO, check=True)
        current = scores_of(kind, store.current_path(kind), evaldata, store.root, runtime="auto")   # as served
        # The fine-tune itself, else points between it and the base (WiSE-FT): the first that passes the gate.
        for alpha in BLEND:
            candidate = tuned if alpha == 1.0 else interpolate(base[kind], tuned, alpha, args.out / f"{kind}-blend{alpha}.pt")
            scores = scores_of(kind, candidate, evaldata, store.root)
            rows = gate(current, scores, DEFAULT_TOLERANCE)
            record["scores"].setdefault(kind, {})[alpha] = rows
            if not any(r["worse"] for r in rows):
                break
        record["candidates"][kind] = {"path": os.path.relpath(candidate, REPO), "alpha": alpha}
        passed = not any(r["worse"] for r in rows)
        if passed and not args.no_promote:
            store_and_promote(store, candidate, f"learn-{stamp}", scores, DEFAULT_TOLERANCE,
                              ["synthetic", f"corrections:{args.data.parent.name}"], "make learn")
        record["promoted"][kind] = passed and not args.no_promote
        shutil.copy(args.out / kind / "curve.png", args.report.parent / f"learning-{kind}-curve.png")
    record["finished"] = datetime.now(UTC).isoformat(timespec="minutes")
    record["train_hours"] = max(load_checkpoint(args.out / k / f"{k}.pt")["trained_s"] for k in base) / 3600
    record["evaluate_minutes"] = round((time.time() - evaluating) / 60, 1)
    # Stages may have run in separate calls (--from-stage): the loop's time is the sum of its stages.
    record["hours"] = taught["minutes"] / 60 + record["train_hours"] + record["evaluate_minutes"] / 60
    (args.out / "record.json").write_text(json.dumps(record, indent=1))
    write_report(args.report, record)
    print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

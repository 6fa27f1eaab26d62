"""Line recognition speed: ocrmesh's CRNN against Tesseract (--psm 7) on the same crops, same run.

Two crop sets: the real dev lines as they are, and "typical" 32x300 crops (each dev line resized
to height 32 and cut or padded to 300 px). Speeds are lines per second of wall time, models
loaded beforehand; the ratio ocrmesh / Tesseract is what to compare across machines.

    .venv/bin/python bench/recognition.py --manifest ../shared/evaldata/dev/lines/manifest.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]


def load_crops(manifest: Path):
    from ocr_models.evaluation import read_image, read_manifest, resolve_image

    rows = read_manifest(manifest)
    return rows, [read_image(resolve_image(manifest, r["image"])) for r in rows]


def typical_crop(img: np.ndarray, width: int = 300) -> np.ndarray:
    h, w = img.shape[:2]
    img = cv2.resize(img, (max(1, round(w * 32 / h)), 32), interpolation=cv2.INTER_AREA)
    if img.shape[1] >= width:
        return img[:, :width]
    pad = np.full((32, width - img.shape[1], 3), int(np.median(img)), np.uint8)
    return np.hstack([img, pad])


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run_ocrmesh(crops, threads: int, runtime: str, repeats: int, workers: int = 1):
    from ocr_models.loader import load_recognizer

    rec = load_recognizer(runtime=runtime, threads=threads, workers=workers)
    rec.recognize(crops[:8])  # warm-up
    out = []
    seconds = best_of(lambda: out.append(rec.recognize(crops)), repeats)
    return len(crops) / seconds, [d.text for d in out[-1]]


def run_tesseract(crops, processes: int, repeats: int):
    """Tesseract reads a list of images in one process; `processes` such lists run side by side."""
    if not shutil.which("tesseract"):
        return None, None
    tmp = Path(tempfile.mkdtemp(prefix="bench-tess-"))
    paths = []
    for i, c in enumerate(crops):
        p = tmp / f"{i:05d}.png"
        cv2.imwrite(str(p), c)
        paths.append(p)
    shards = [paths[i::processes] for i in range(processes)]
    lists = []
    for k, shard in enumerate(shards):
        lst = tmp / f"list{k}.txt"
        lst.write_text("\n".join(str(p) for p in shard) + "\n")
        lists.append(lst)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    results: dict[int, list[str]] = {}

    def one(k):
        out = subprocess.run(["tesseract", str(lists[k]), "stdout", "--psm", "7", "-l", "eng"],
                             capture_output=True, text=True, env=env, check=True).stdout
        results[k] = [t.strip() for t in out.split("\f")][: len(shards[k])]

    def all_shards():
        with ThreadPoolExecutor(processes) as pool:
            list(pool.map(one, range(processes)))

    seconds = best_of(all_shards, repeats)
    texts = [""] * len(crops)
    for k in range(processes):
        for j, t in enumerate(results[k]):
            texts[k + j * processes] = t
    shutil.rmtree(tmp, ignore_errors=True)
    return len(crops) / seconds, texts


def cer_by_subset(rows, texts):
    from ocr_models.metrics import ErrorRate, normalize_for_scoring

    rates: dict[str, ErrorRate] = {}
    for r, t in zip(rows, texts):
        cs = r.get("case_sensitive", True)
        rates.setdefault(r.get("subset", "all"), ErrorRate()).add(normalize_for_scoring(t, cs), normalize_for_scoring(r["text"], cs))
    return {k: round(v.cer, 4) for k, v in sorted(rates.items())}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "recognition.json")
    args = p.parse_args()

    rows, real = load_crops(args.manifest)
    typical = [typical_crop(c) for c in real]
    report = {"lines": len(real), "cpus": os.cpu_count(), "load_before": os.getloadavg()[0], "runs": []}
    for name, crops in (("typical_32x300", typical), ("dev_lines", real)):
        for label, fn in (
            ("ocrmesh int8 (served), 1 thread", lambda c: run_ocrmesh(c, 1, "int8", args.repeats)),
            ("ocrmesh int8 (served), 2 parallel batches", lambda c: run_ocrmesh(c, 1, "int8", args.repeats, workers=2)),
            ("ocrmesh onnx, 1 thread", lambda c: run_ocrmesh(c, 1, "onnx", args.repeats)),
            ("ocrmesh onnx, 2 threads", lambda c: run_ocrmesh(c, 2, "onnx", args.repeats)),
            ("ocrmesh onnx, 2 parallel batches", lambda c: run_ocrmesh(c, 1, "onnx", args.repeats, workers=2)),
            ("ocrmesh torch, 2 threads", lambda c: run_ocrmesh(c, 2, "torch", args.repeats)),
            ("tesseract --psm 7, 2 processes", lambda c: run_tesseract(c, 2, args.repeats)),
        ):
            speed, texts = fn(crops)
            if speed is None:
                print(f"{label}: tesseract not installed, skipped", file=sys.stderr)
                continue
            run = {"crops": name, "engine": label, "lines_per_s": round(speed, 1)}
            if name == "dev_lines":
                run["cer"] = cer_by_subset(rows, texts)
            report["runs"].append(run)
            print(json.dumps(run), flush=True)
    tess = {r["crops"]: r["lines_per_s"] for r in report["runs"] if r["engine"].startswith("tesseract")}
    for r in report["runs"]:
        if r["crops"] in tess:
            r["ratio_vs_tesseract"] = round(r["lines_per_s"] / tess[r["crops"]], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print("\n| crops | engine | lines/s | × Tesseract |\n|---|---|---|---|")
    for r in report["runs"]:
        print(f"| {r['crops']} | {r['engine']} | {r['lines_per_s']} | {r.get('ratio_vs_tesseract', '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

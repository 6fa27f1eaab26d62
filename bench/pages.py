"""Page OCR speed: `ocrmesh ocr`'s in-process pipeline against Tesseract on the same dev pages, same run.

Median seconds per page, models loaded beforehand (start-up excluded). Tesseract runs with its
default page segmentation on one image per call; its start-up per call (~0.1 s) is measured
separately and subtracted, so both sides are timed on the work itself. The two read each page in
turn, so a drift of the machine's speed touches both alike.

    .venv/bin/python bench/pages.py --manifest ../shared/evaldata/dev/pages/manifest.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "pages.json")
    args = p.parse_args()

    from ocr_common.images import ImageLimits, decode_image
    from ocr_models.evaluation import read_manifest, resolve_image
    from ocr_models.loader import load_detector, load_recognizer
    from ocr_models.pipeline import PageReader

    reader = PageReader(load_detector(threads=args.threads),
                        load_recognizer(workers=args.threads))
    rows = read_manifest(args.manifest)
    paths = [resolve_image(args.manifest, r["image"]) for r in rows]
    limits = ImageLimits(max_bytes=500_000_000, max_pixels=200_000_000, max_side=40_000)
    reader.read(decode_image(paths[0].read_bytes(), limits, grey=True).pixels)  # warm-up

    env = dict(os.environ, OMP_THREAD_LIMIT=str(args.threads))
    tesseract = shutil.which("tesseract")
    startup = None
    if tesseract:
        blank = Path(tempfile.mkdtemp()) / "blank.png"
        import cv2
        import numpy as np
        cv2.imwrite(str(blank), np.full((16, 16), 255, np.uint8))
        t = time.perf_counter()
        for _ in range(5):
            subprocess.run([tesseract, str(blank), "stdout"], capture_output=True, env=env)
        startup = (time.perf_counter() - t) / 5

    # Page by page, ours then Tesseract's: both see the same moments of a machine whose speed drifts.
    ours, tess = [], []
    for path in paths:
        t = time.perf_counter()
        reader.read(decode_image(path.read_bytes(), limits, grey=True).pixels)
        ours.append(time.perf_counter() - t)
        if tesseract:
            t = time.perf_counter()
            subprocess.run([tesseract, str(path), "stdout", "-l", "eng"], capture_output=True, env=env, check=True)
            tess.append(max(time.perf_counter() - t - startup, 1e-3))

    report = {"pages": len(paths), "threads": args.threads, "ocrmesh_median_s": round(statistics.median(ours), 3),
              "ocrmesh_mean_s": round(statistics.mean(ours), 3)}
    if tess:
        report |= {"tesseract_median_s": round(statistics.median(tess), 3), "tesseract_startup_s": round(startup, 3),
                   "ratio_ocrmesh_to_tesseract": round(statistics.median(ours) / statistics.median(tess), 2)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

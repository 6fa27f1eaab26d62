"""Page orientation on the real dev pages turned by 0, 90, 180 and 270 degrees (ocr_common.orientation).

For every page and every turn: the rotation `ocrmesh ocr` applied (right when it undoes the turn), the page's CER
against its ground truth read turned and read upright (whitespace collapsed; case-folded where the data is), and the
seconds per page with orientation on and off (models loaded beforehand, median).

    nice -n 10 .venv/bin/python bench/orientation.py --manifest ../shared/evaldata/dev/pages/manifest.jsonl
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def cer(text: str, truth: str, case_sensitive: bool = True) -> float:
    from rapidfuzz.distance import Levenshtein

    a, b = " ".join(text.split()), " ".join(truth.split())
    if not case_sensitive:
        a, b = a.casefold(), b.casefold()
    return Levenshtein.distance(a, b) / max(len(b), 1)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "orientation.json")
    args = p.parse_args()

    from ocr_common.images import ImageLimits, decode_image
    from ocr_common.orientation import ANGLES, rotate
    from ocr_models.evaluation import read_manifest, resolve_image
    from ocr_models.loader import load_detector, load_recognizer
    from ocr_models.pipeline import PageReader

    detector, recognizer = load_detector(), load_recognizer()
    oriented, plain = PageReader(detector, recognizer), PageReader(detector, recognizer, orientation=False)
    rows = read_manifest(args.manifest)
    limits = ImageLimits(max_bytes=500_000_000, max_pixels=200_000_000, max_side=40_000)

    pages, seconds_on, seconds_off = [], [], []
    for row in rows:
        pixels = decode_image(resolve_image(args.manifest, row["image"]).read_bytes(), limits, grey=True).pixels
        case = row.get("case_sensitive", True)
        t = time.perf_counter()
        plain.read(pixels)
        seconds_off.append(time.perf_counter() - t)
        item = {"image": row["image"], "subset": row.get("subset"), "turns": {}}
        for turn in ANGLES:
            t = time.perf_counter()
            result = oriented.read(rotate(pixels, turn))
            if turn == 0:
                seconds_on.append(time.perf_counter() - t)
            item["turns"][turn] = {"rotation": result.rotation, "right": (result.rotation + turn) % 360 == 0,
                                   "cer": round(cer(result.text, row["text"], case), 4)}
        pages.append(item)
        print(row["image"], {t: (v["rotation"], v["cer"]) for t, v in item["turns"].items()}, flush=True)

    documents = [p for p in pages if p["subset"] != "scene_ic15"]   # the scene photo (8 characters) is a sanity check
    summary = {"pages": len(documents), "per_turn": {}, "scene_photo": {t: v["rotation"] for t, v in
                                                                          pages[-1]["turns"].items()}}
    for turn in ANGLES:
        right = sum(p["turns"][turn]["right"] for p in documents)
        summary["per_turn"][turn] = {"right": right, "accuracy": round(right / len(documents), 4),
                                     "mean_cer": round(statistics.fmean(p["turns"][turn]["cer"] for p in documents), 4)}
    for turn in (90, 180, 270):
        gaps = [p["turns"][turn]["cer"] - p["turns"][0]["cer"] for p in documents]
        summary[f"cer_{turn}_minus_upright_points"] = {"max": round(100 * max(gaps), 2), "min": round(100 * min(gaps), 2),
                                                       "mean": round(100 * statistics.fmean(gaps), 2)}
    summary["seconds_per_page_median"] = {"orientation_on": round(statistics.median(seconds_on), 3),
                                          "orientation_off": round(statistics.median(seconds_off), 3)}
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "pages": pages}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

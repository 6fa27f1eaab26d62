"""Page reading quality: ocrmesh against Tesseract on the same dev pages, scored by the same rules.

End-to-end CER per subset, as `make eval` scores it (`ocr_models.page_evaluation`: each ground-truth box paired with
the line that covers it, ignore boxes counting for neither side word by word, page transcriptions compared in
reading order). Tesseract reads each page with its default page segmentation and `-l eng`; its words and lines come
from its TSV output, with their boxes, so both engines are scored on what they return.

    .venv/bin/python bench/page_quality.py --manifest ../shared/evaldata/dev/pages/manifest.jsonl
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Word:
    points: list[list[float]]
    text: str


@dataclass
class Line:
    points: list[list[float]]
    text: str
    words: list[Word] = field(default_factory=list)


def _quad(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def tesseract_lines(tsv: str) -> list[Line]:
    """Tesseract's TSV (level 5 rows are words) as lines of words with their boxes, in its reading order."""
    lines: dict[tuple, list[tuple]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row["level"] != "5" or not text:
            continue
        x, y, w, h = (float(row[k]) for k in ("left", "top", "width", "height"))
        lines.setdefault((row["page_num"], row["block_num"], row["par_num"], row["line_num"]), []).append(
            (x, y, x + w, y + h, text))
    out = []
    for words in lines.values():
        x0, y0 = min(w[0] for w in words), min(w[1] for w in words)
        x1, y1 = max(w[2] for w in words), max(w[3] for w in words)
        out.append(Line(_quad(x0, y0, x1, y1), " ".join(w[4] for w in words), [Word(_quad(*w[:4]), w[4]) for w in words]))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "page_quality.json")
    args = p.parse_args()

    from ocr_models.evaluation import resolve_image
    from ocr_models.loader import load_detector, load_recognizer
    from ocr_models.metrics import ErrorRate
    from ocr_models.page_evaluation import add_reading, evaluate_pages, load_pages

    tesseract = shutil.which("tesseract")
    if not tesseract:
        print("tesseract is not installed (make install installs it)", file=sys.stderr)
        return 1
    pages = load_pages(args.manifest)
    ours = evaluate_pages(load_detector(threads=args.threads), pages,
                          load_recognizer(workers=args.threads))["subsets"]
    env = dict(os.environ, OMP_THREAD_LIMIT=str(args.threads))
    errors: dict[str, ErrorRate] = defaultdict(ErrorRate)
    for page in pages:
        tsv = subprocess.run([tesseract, str(resolve_image(args.manifest, page.name)), "stdout", "-l", "eng", "tsv"],
                             capture_output=True, text=True, env=env, check=True).stdout
        add_reading(errors, page, tesseract_lines(tsv))
    report = {subset: {"pages": ours[subset]["pages"], "ocrmesh_cer": ours[subset].get("cer"),
                       "tesseract_cer": round(errors[subset].cer, 4)} for subset in sorted(ours)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

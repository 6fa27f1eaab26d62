"""Searchable PDFs from a scanned document: ocrmesh (its CLI, and its OCRmyPDF plugin) beside OCRmyPDF with Tesseract,
same PDF, same machine, same run.

The document is one PDF made from the real dev pages (img2pdf: the page images as they are, at 200 dpi). Each engine
makes a searchable PDF of it; `pdftotext` reads each back and every page's text is scored against its ground truth
(CER, whitespace collapsed, case-folded where the data is; "all" is receipts, book pages and the Tesseract page). ocrmesh's JSON text of the same run is scored too, so
that what the text layer loses is seen. Seconds per page are wall-clock seconds of the whole command (start-up and
model loading included) over the pages; OCRmyPDF runs with the same --jobs for both engines.

    nice -n 10 .venv/bin/python bench/documents.py --manifest ../shared/evaldata/dev/pages/manifest.jsonl
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SUBSETS = ("sroie_receipt", "oldbooks_scan", "tess_page", "docbank_born_digital")   # the scene photo is no document
# DocBank's ground truth is in PDF-extraction order, which on its two-column pages no reading order matches: its CER
# is reported on its own and left out of "all".
IN_ALL = ("sroie_receipt", "oldbooks_scan", "tess_page")


def cer_counts(text: str, truth: str, case_sensitive: bool) -> tuple[int, int]:
    from rapidfuzz.distance import Levenshtein

    from ocr_models.metrics import normalize_for_scoring

    a, b = normalize_for_scoring(text, case_sensitive), normalize_for_scoring(truth, case_sensitive)
    return Levenshtein.distance(a, b), len(b)


def pdf_pages(path: Path, raw: bool = False) -> list[str]:
    out = subprocess.run(["pdftotext", *(["-raw"] if raw else []), str(path), "-"], capture_output=True, check=True,
                         text=True).stdout
    return out.split("\f")[:-1]


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    run = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("--jobs", type=int, default=2, help="OCRmyPDF's --jobs and ocrmesh's --threads (default 2)")
    p.add_argument("--limit", type=int, default=None, help="only the first N pages (quick checks)")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "documents.json")
    args = p.parse_args()

    import img2pdf

    from ocr_models.evaluation import read_manifest, resolve_image

    rows = [r for r in read_manifest(args.manifest) if r.get("subset") in SUBSETS][:args.limit]
    work = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    images = [str(resolve_image(args.manifest, r["image"])) for r in rows]
    (work / "doc.pdf").write_bytes(img2pdf.convert(images, layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))
    n = len(rows)
    print(f"{n} pages in {work / 'doc.pdf'}", file=sys.stderr)

    ocrmesh = [str(BIN / "ocrmesh"), "ocr", "doc.pdf", "--threads", str(args.jobs)]
    ocrmypdf = [str(BIN / "ocrmypdf"), "--jobs", str(args.jobs)]
    runs = {   # name: (command, output); run one after another
        "ocrmesh json": ([*ocrmesh, "--format", "json", "-o", "ocrmesh.json"], "ocrmesh.json"),
        "ocrmesh pdf": ([*ocrmesh, "--format", "pdf", "-o", "ocrmesh.pdf"], "ocrmesh.pdf"),
        "ocrmypdf + ocrmesh plugin": ([*ocrmypdf, "--plugin", "ocrmesh.ocrmypdf", "doc.pdf", "plugin.pdf"], "plugin.pdf"),
        "ocrmypdf + Tesseract": ([*ocrmypdf, "--ocr-engine", "tesseract", "doc.pdf", "tesseract.pdf"], "tesseract.pdf"),
    }
    results = {}
    for name, (cmd, output) in runs.items():
        seconds = timed(cmd, work)
        if output.endswith(".json"):
            texts = {"": [p["text"] for p in json.loads((work / output).read_text())["pages"]]}
        else:
            texts = {"": pdf_pages(work / output), " (-raw)": pdf_pages(work / output, raw=True)}
        for mode, pages in texts.items():
            assert len(pages) == n, (name, len(pages))
            per_subset: dict[str, list[int]] = {}
            for page, row in zip(pages, rows, strict=True):
                errors, chars = cer_counts(page, row["text"], row.get("case_sensitive", True))
                for key in (row["subset"], "all") if row["subset"] in IN_ALL else (row["subset"],):
                    per_subset.setdefault(key, [0, 0])
                    per_subset[key][0] += errors
                    per_subset[key][1] += chars
            results[name + mode] = {"seconds_per_page": round(seconds / n, 3),
                                    "cer": {k: round(e / c, 4) for k, (e, c) in per_subset.items()}}
        print(name, results[name + next(iter(texts))], file=sys.stderr, flush=True)

    tess = results["ocrmypdf + Tesseract"]["seconds_per_page"]
    summary = {
        "pages": n, "jobs": args.jobs,
        "pdf_minus_json_cer_points": round(100 * (results["ocrmesh pdf"]["cer"]["all"] - results["ocrmesh json"]["cer"]["all"]), 2),
        "speedup_cli_vs_ocrmypdf_tesseract": round(tess / results["ocrmesh pdf"]["seconds_per_page"], 2),
        "speedup_plugin_vs_ocrmypdf_tesseract": round(tess / results["ocrmypdf + ocrmesh plugin"]["seconds_per_page"], 2),
    }
    print(json.dumps(summary, indent=2))
    print(table(results, [s for s in SUBSETS if any(r.get("subset") == s for r in rows)]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "results": results}, indent=1) + "\n")
    return 0


def table(results: dict, subsets: list[str]) -> str:
    head = "| | s/page | CER, all | " + " | ".join(subsets) + " |"
    lines = [head, "|" + "---|" * (3 + len(subsets))]
    for name, r in results.items():
        cells = [f"{r['seconds_per_page']:.2f}", f"{100 * r['cer']['all']:.2f} %"]
        cells += [f"{100 * r['cer'][s]:.2f} %" for s in subsets]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

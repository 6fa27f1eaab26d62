"""Scores two versions of one model kind on the same evaluation data in one run (`ocrmesh models`)."""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .data.clean_print import SUBSET as CLEAN_PRINT
from .data.clean_print import clean_print_lines
from .evaluation import evaluate_lines
from .loader import load_detector, load_recognizer
from .metrics import ErrorRate, normalize_for_scoring
from .page_evaluation import evaluate_pages
from .registry import export_onnx_twin

PAGE_METRICS = ("cer", "f1", "cov_f1")
RUNTIMES = ("int8", "auto", "torch")


def score(kind: str, current: Path, candidate: Path, evaldata: Path, models: Path,
          limit: int | None = None, runtime: str = "int8") -> tuple[dict, dict]:
    """({subset: metrics} for current, the same for candidate), see `scores_of`. With "int8" the current
    weights are read as served (their twins are in sync: a promotion writes them), the candidate through a fresh
    twin."""
    as_served = "torch" if runtime == "torch" else "auto"
    return (scores_of(kind, current, evaldata, models, limit, as_served),
            scores_of(kind, candidate, evaldata, models, limit, runtime))


def scores_of(kind: str, weights: Path, evaldata: Path, models: Path, limit: int | None = None,
              runtime: str = "int8") -> dict:
    """{subset: metrics} of one version. A recognizer is scored on the cropped lines and, end to end, on the
    pages with the current detector; a detector on the pages with the current recognizer. `runtime`: "int8"
    scores what serving would run after a promotion, the weights through an int8 twin exported from them now (a
    twin left beside a checkpoint may be older than it); "auto" loads them as serving does; "torch" rebuilds them
    in PyTorch. The other model is loaded as served, or in PyTorch with "torch"."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: one of {', '.join(RUNTIMES)}")
    lines, pages = evaldata / "lines" / "manifest.jsonl", evaldata / "pages" / "manifest.jsonl"
    peers = "torch" if runtime == "torch" else "auto"
    with _exported(kind, weights, runtime) as served:
        if kind == "recognizer":
            detector = load_detector(models / "detector.pt", runtime=peers)
            return _recognizer_scores(load_recognizer(served, runtime=runtime), detector, lines, pages, limit)
        recognizer = load_recognizer(models / "recognizer.pt", runtime=peers)
        return _page_scores(evaluate_pages(load_detector(served, runtime=runtime), pages, recognizer, limit))


@contextmanager
def _exported(kind: str, weights: Path, runtime: str):
    """The weights to load for `runtime`: a copy in a temporary folder with its twins freshly exported beside it
    for "int8", else the checkpoint itself."""
    if runtime != "int8":
        yield weights
        return
    with tempfile.TemporaryDirectory(prefix="ocrmesh-gate-") as folder:
        copy = Path(folder) / f"{kind}.pt"
        shutil.copyfile(weights, copy)
        export_onnx_twin(kind, copy)
        yield copy


def _recognizer_scores(recognizer, detector, lines: Path, pages: Path, limit: int | None) -> dict:
    report = evaluate_lines(recognizer, lines, limit)
    out = {f"lines:{k}": {"cer": v["cer"]} for k, v in report["subsets"].items()}
    out[CLEAN_PRINT] = {"case_errors": case_error_rate(recognizer, limit)}
    return out | _page_scores(evaluate_pages(detector, pages, recognizer, limit))


def case_error_rate(recognizer, limit: int | None = None) -> float:
    """The share of characters read with the wrong case on the clean mixed-case print lines (data.clean_print):
    case-sensitive CER minus case-folded CER, so other reading errors do not count."""
    samples = clean_print_lines(recognizer.config.charset)[:limit]
    sensitive, folded = ErrorRate(), ErrorRate()
    for (_, truth), read in zip(samples, recognizer.recognize([img for img, _ in samples])):
        sensitive.add(normalize_for_scoring(read.text, True), normalize_for_scoring(truth, True))
        folded.add(normalize_for_scoring(read.text, False), normalize_for_scoring(truth, False))
    return max(0.0, sensitive.as_dict()["cer"] - folded.as_dict()["cer"])


def _page_scores(report: dict) -> dict:
    return {f"pages:{k}": {m: v[m] for m in PAGE_METRICS if m in v} for k, v in report["subsets"].items()}

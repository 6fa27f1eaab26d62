"""`ocrmesh models list|evaluate|promote`: versioned weights, scored side by side, promoted through a gate."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .paths import default_evaldata, model_dir

# Sanity-check subsets (3 scene words, 1 scene photo; see the evaldata README) are too small to gate on.
SANITY_SUBSETS = ("lines:scene_word", "pages:scene_ic15")
DEFAULT_TOLERANCE = 0.15


def add_models(sub) -> None:
    p = sub.add_parser("models", help="list, evaluate and promote model versions",
                       description="Model versions live in MODEL_DIR/versions/<kind>/ (OCRMESH_MODEL_DIR, default the "
                       "repository's models/); MODEL_DIR/<kind>.pt is the current one, which the CLI and the model "
                       "services load. Model services reload it within seconds of a promotion.")
    p.add_argument("--model-dir", type=Path, default=None, help="model folder (default: OCRMESH_MODEL_DIR or models/)")
    verbs = p.add_subparsers(dest="verb", required=True)

    ls = verbs.add_parser("list", help="every version of both models, the current one marked")
    ls.set_defaults(func=run_list)

    ev = verbs.add_parser("evaluate", help="score a candidate and the current model on the same data in one run")
    _gate_arguments(ev)
    ev.add_argument("--json", action="store_true", help="print the rows as JSON")
    ev.set_defaults(func=run_evaluate)

    pr = verbs.add_parser("promote", help="make a candidate (a weights file) or a stored version (rollback) current",
                          description="A weights file is scored against the current model first and refused when it "
                          "is worse on any evaluation subset by more than --tolerance points; if it passes it is stored "
                          "as a new version with its card (parent, data, command, scores) and made current. A stored "
                          "version's name makes that version current again without a new gate: rollback.")
    _gate_arguments(pr)
    pr.add_argument("--version", help="name of the new version (default: the candidate's file name and the date)")
    pr.add_argument("--data", action="append", default=None,
                    help="the data the candidate learned from, for its card (default: what its training recorded)")
    pr.add_argument("--command", help="the command that made the candidate (default: what its training recorded)")
    pr.set_defaults(func=run_promote)

    av = verbs.add_parser("average", help="the mean of several checkpoints' weights (snapshots of one run, or runs "
                          "from the same start), as a new candidate")
    av.add_argument("checkpoints", nargs="+", type=Path, help="weights files of one model and config")
    av.add_argument("--out", type=Path, required=True, help="where to write the averaged weights")
    av.set_defaults(func=run_average)


def _gate_arguments(p) -> None:
    p.add_argument("candidate", help="weights file (.pt) or the name of a stored version")
    p.add_argument("--kind", choices=("recognizer", "detector"), help="needed only for a version name")
    p.add_argument("--evaldata", type=Path, default=None, help="evaluation data folder (default: shared/evaldata/dev)")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                   help=f"points a subset may get worse by (CER 1.00 %% -> 1.15 %% is 0.15; default {DEFAULT_TOLERANCE})")
    p.add_argument("--limit", type=int, default=None, help="only the first N items of each manifest (quick checks)")
    p.add_argument("--runtime", choices=("int8", "torch"), default="int8",
                   help="int8 (default): score what serving runs, the candidate through an int8 twin exported "
                   "from it; torch: both models in PyTorch")


def _store(args):
    from ocr_models.registry import ModelStore

    return ModelStore(args.model_dir or model_dir())


def run_list(args) -> int:
    store = _store(args)
    for kind in ("detector", "recognizer"):
        for v in store.versions(kind):
            card = v.card
            print(f"{'*' if v.current else ' '} {kind:<10} {v.name:<28} {_served_id(kind, v.path)}  "
                  f"parent={card.get('parent') or '-'}  data={'+'.join(card.get('data', [])) or '-'}  {card.get('created', '')}")
            scores = ", ".join(f"{s} {m['cer'] * 100:.2f} %" for s, m in sorted(card.get("scores", {}).items()) if "cer" in m)
            if scores:
                print(f"    CER: {scores}")
    return 0


def _served_id(kind: str, path: Path) -> str:
    """The id the model services put in every result for these weights (`recognizer-<sha256 prefix>`)."""
    from ocr_common.model_service import weights_digest

    return f"{kind}-{weights_digest(path)}"


def _resolve(args) -> tuple[str, Path]:
    from ocr_models.registry import kind_of

    path = Path(args.candidate)
    if path.suffix == ".pt" or path.exists():
        return kind_of(path), path
    if not args.kind:
        raise ValueError("a version name needs --kind recognizer|detector")
    return args.kind, _store(args).resolve(args.kind, args.candidate)


def _score_both(args, kind: str, candidate: Path) -> tuple[dict, dict]:
    from ocr_models.model_scores import score

    store = _store(args)
    evaldata = args.evaldata or default_evaldata()
    current = store.current_path(kind)
    print(f"scoring {candidate} against the current {kind} ({current}) on {evaldata}, {args.runtime}", file=sys.stderr)
    return score(kind, current, candidate, evaldata, models=store.root, limit=args.limit, runtime=args.runtime)


def _table(rows: list[dict]) -> str:
    lines = [f"{'subset':<30} {'metric':<7} {'current':>8} {'candidate':>9} {'change':>8}",]
    for r in rows:
        flag = "  WORSE" if r["worse"] else ("" if r["gated"] else "  (sanity check, not gated)")
        lines.append(f"{r['subset']:<30} {r['metric']:<7} {r['current'] * 100:>7.2f}% {r['candidate'] * 100:>8.2f}% "
                     f"{r['change_points']:>+7.2f}{flag}")
    return "\n".join(lines)


def _gated_rows(args, kind: str, candidate: Path) -> tuple[list[dict], dict]:
    current_scores, candidate_scores = _score_both(args, kind, candidate)
    return gate(current_scores, candidate_scores, args.tolerance), candidate_scores


def gate(current: dict, candidate: dict, tolerance: float = DEFAULT_TOLERANCE) -> list[dict]:
    """compare()'s rows, with the sanity-check subsets shown but never counted as worse."""
    from ocr_models.registry import compare

    rows = compare(current, candidate, tolerance)
    for r in rows:
        r["gated"] = r["subset"] not in SANITY_SUBSETS
        r["worse"] = r["worse"] and r["gated"]
    return rows


def run_evaluate(args) -> int:
    kind, candidate = _resolve(args)
    rows, _ = _gated_rows(args, kind, candidate)
    print(json.dumps(rows, indent=1) if args.json else _table(rows))
    return 0


def run_average(args) -> int:
    from ocr_models.registry import average

    try:
        out = average(args.checkpoints, args.out)
    except ValueError as exc:
        print(f"ocrmesh models average: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the mean of {len(args.checkpoints)} checkpoints to {out}")
    return 0


def run_promote(args) -> int:
    from datetime import UTC, datetime

    from ocr_models.registry import ModelVersion, card_of

    store = _store(args)
    kind, candidate = _resolve(args)
    if candidate.resolve().parent == (store.root / "versions" / kind).resolve():
        version = ModelVersion(kind, candidate.stem, candidate, card_of(candidate))
        store.make_current(version)
        print(f"{kind} {version.name} is current again (no gate: it passed one when it was stored)")
        return 0
    rows, scores = _gated_rows(args, kind, candidate)
    print(_table(rows))
    worse = [r for r in rows if r["worse"]]
    if worse:
        print(f"refused: worse than the current {kind} by more than {args.tolerance} points on "
              + ", ".join(f"{r['subset']} {r['metric']}" for r in worse), file=sys.stderr)
        return 1
    name = args.version or f"{candidate.stem}-{datetime.now(UTC):%Y%m%d-%H%M}"
    version = store_and_promote(store, candidate, name, scores, args.tolerance, args.data, args.command,
                                args.runtime)
    print(f"promoted: {kind} {name} is current ({version.path})")
    return 0


def store_and_promote(store, candidate: Path, name: str, scores: dict, tolerance: float,
                      data: list[str] | None = None, command: str | None = None, scored_in: str = "int8"):
    """Stores a candidate that passed the gate as a new version with its card, and makes it current."""
    from ocr_models.checkpoint import load_checkpoint

    ckpt = load_checkpoint(candidate)
    trained = ckpt.get("training") or {}
    card = {"parent": store.current_name(ckpt["kind"]), "data": data or trained.get("data", []),
            "command": command or trained.get("command"), "hours": trained.get("hours"), "scores": scores,
            "scored_in": scored_in, "tolerance": tolerance, "interpolated": ckpt.get("interpolated"),
            "averaged": ckpt.get("averaged")}
    version = store.add(candidate, name, {k: v for k, v in card.items() if v is not None})
    store.make_current(version)
    return version

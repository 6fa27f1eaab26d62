"""The subcommands of `ocrmesh`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ocr_models.loader import RUNTIMES
from ocr_models.recognition.config import BATCH_SIZE


def _load_recognizer(path: Path | None, runtime: str, batch_size: int = BATCH_SIZE, workers: int = 1):
    """Parallelism comes from batches running side by side (--threads), each on one thread."""
    from ocr_models.loader import load_recognizer

    return load_recognizer(path, runtime, threads=1, batch_size=batch_size, workers=workers)


def _load_detector(path: Path | None, runtime: str, threads: int = 1):
    """`threads` intra-op threads: a page's detection is one model run, so only they can spread it over cores."""
    from ocr_models.loader import load_detector

    return load_detector(path, runtime, threads=threads)


# --- ocr ---------------------------------------------------------------------------------------
def add_ocr(sub) -> None:
    from .documents import FORMATS, add_document_arguments

    p = sub.add_parser("ocr", help="read images, multi-page TIFFs and PDFs",
                       description="Reads images, multi-page TIFFs and PDFs: finds their text lines and words and reads "
                       "them. --format json (one object per input), txt, hocr (hOCR 1.2), alto (ALTO v4) or pdf (the "
                       "pages with an invisible text layer). With --lines each input is one cropped text line.")
    p.add_argument("images", nargs="*", help="image, TIFF or PDF files")
    p.add_argument("--manifest", help="a JSONL manifest whose rows have an 'image' path")
    p.add_argument("--lines", action="store_true", help="treat each input as one cropped text line")
    p.add_argument("--format", choices=FORMATS, default="json", help="json, txt (or text), hocr, alto, pdf")
    add_document_arguments(p)
    p.add_argument("--recognizer", type=Path, default=None, help="recognizer checkpoint (default: committed weights)")
    p.add_argument("--detector", type=Path, default=None, help="detector checkpoint (default: committed weights)")
    p.add_argument("--no-orientation", dest="orientation", action="store_false",
                   help="read pages as they are (by default a page lying sideways or upside down is read upright)")
    p.add_argument("--runtime", choices=RUNTIMES, default="auto")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    p.add_argument("--threads", type=int, default=2,
                   help="cores to use: the detector's threads and the recognizer's batches read side by side (default 2)")
    p.set_defaults(func=run_ocr)


def run_ocr(args) -> int:
    from tqdm import tqdm

    from .inputs import collect_inputs, load_pixels

    if bool(args.images) == bool(args.manifest):
        print("ocrmesh ocr: give image paths or --manifest, not both or neither", file=sys.stderr)
        return 2
    recognizer = _load_recognizer(args.recognizer, args.runtime, args.batch_size, args.threads)
    items = collect_inputs(args.images, args.manifest)
    if not args.lines:
        from ocr_models.pipeline import PageReader

        from .documents import run_pages

        reader = PageReader(_load_detector(args.detector, args.runtime, args.threads), recognizer, orientation=args.orientation)
        return run_pages(args, items, reader)
    if args.format not in ("json", "txt", "text"):
        print("ocrmesh ocr: --lines writes json or txt", file=sys.stderr)
        return 2
    items = [load_pixels(it) for it in tqdm(items, desc="loading", unit="img", disable=len(items) < 50, file=sys.stderr)]
    good = [it for it in items if it.pixels is not None]
    results = dict(zip((id(it) for it in good), recognizer.recognize([it.pixels for it in good])))
    failed = 0
    for it in items:
        if it.error is not None:
            failed += 1
            row = {"image": it.name, "error": it.error}
            print(f"ocrmesh: {it.name}: {it.error}", file=sys.stderr)
            if args.format == "json":
                print(json.dumps(row, ensure_ascii=False))
            continue
        r = results[id(it)]
        if args.format == "json":
            print(json.dumps({"image": it.name, "text": r.text, "confidence": round(r.confidence, 4)}, ensure_ascii=False))
        else:
            print(r.text)
    return 1 if failed else 0


# --- train -------------------------------------------------------------------------------------
def add_train(sub, with_options: bool = True) -> None:
    """The training options come from the trainers, which import PyTorch (the `train` extra): they are added
    only when the command is `train`, so reading, evaluating and the other commands start without it."""
    p = sub.add_parser("train", help="train a model (needs the train extra: PyTorch)")
    if not with_options:
        return
    from ocr_models.training import train_detector, train_recognizer

    models = p.add_subparsers(dest="model", required=True)
    rec = models.add_parser("recognizer", help="train the CRNN line recognizer on synthetic lines")
    train_recognizer.add_arguments(rec)
    rec.set_defaults(func=lambda a: print(train_recognizer.train(a)))
    det = models.add_parser("detector", help="train the CTPN text-line detector on synthetic pages")
    train_detector.add_arguments(det)
    det.set_defaults(func=lambda a: print(train_detector.train(a)))


# --- eval --------------------------------------------------------------------------------------
def add_eval(sub) -> None:
    p = sub.add_parser("eval", help="score the models on a manifest: CER/WER for lines; P/R/F1, coverage and CER for pages",
                       description="A manifest of cropped lines (rows with 'text') is scored with the recognizer; a manifest "
                       "of pages (rows with 'boxes') with the detector and, end to end, both models. Results per subset.")
    p.add_argument("--manifest", required=True)
    p.add_argument("--recognizer", type=Path, default=None)
    p.add_argument("--detector", type=Path, default=None)
    p.add_argument("--runtime", choices=RUNTIMES, default="auto")
    p.add_argument("--threads", type=int, default=2, help="batches read side by side (default 2)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--detection-only", action="store_true", help="pages: skip the end-to-end CER")
    p.set_defaults(func=run_eval)


def run_eval(args) -> int:
    from ocr_models.evaluation import evaluate_lines, read_manifest

    rows = read_manifest(args.manifest)
    if any("boxes" in r for r in rows):
        from ocr_models.page_evaluation import evaluate_pages

        recognizer = None if args.detection_only else _load_recognizer(args.recognizer, args.runtime, workers=args.threads)
        report = evaluate_pages(_load_detector(args.detector, args.runtime), args.manifest, recognizer, args.limit)
    else:
        report = evaluate_lines(_load_recognizer(args.recognizer, args.runtime, workers=args.threads), args.manifest, args.limit)
    print(json.dumps(report, indent=1))
    return 0


# --- export ------------------------------------------------------------------------------------
def add_export(sub) -> None:
    p = sub.add_parser("export", help="write a model's weights (without optimizer state) and its ONNX twin")
    p.add_argument("model", choices=("recognizer", "detector"))
    p.add_argument("--checkpoint", type=Path, default=None, help="training checkpoint (default: the committed weights)")
    p.add_argument("--out", type=Path, default=None, help="where to write the weights (default: next to --checkpoint)")
    p.set_defaults(func=run_export)


def run_export(args) -> int:
    from ocr_models.checkpoint import load_checkpoint, save_checkpoint
    from ocr_models.loader import default_weights
    from ocr_models.registry import export_onnx_twin

    path = args.checkpoint or default_weights(args.model)
    out = args.out or path
    if out != path:
        ckpt = load_checkpoint(path, args.model)
        keep = {k: ckpt[k] for k in ("step", "params", "trained_s", "training", "card") if k in ckpt}
        save_checkpoint(out, kind=args.model, config=ckpt["config"], model_state=ckpt["model"], **keep)
    print(export_onnx_twin(args.model, out))
    return 0


# --- cleanup -----------------------------------------------------------------------------------
def add_cleanup(sub) -> None:
    from ocr_imagestore import cleanup

    p = sub.add_parser("cleanup", help="delete stored images and results older than a limit (default 7d)")
    cleanup.add_arguments(p)
    p.set_defaults(func=cleanup.run)


# --- keys --------------------------------------------------------------------------------------
def add_keys(sub) -> None:
    from ocr_gateway import keys as auth_keys

    p = sub.add_parser("keys", help="create, list and revoke the gateway's API keys",
                       description="API keys for machine clients, stored hashed (SHA-256) in the gateway's database "
                                   "(DATABASE_URL). `create` prints the key once.")
    auth_keys.add_arguments(p)
    p.set_defaults(func=auth_keys.run)

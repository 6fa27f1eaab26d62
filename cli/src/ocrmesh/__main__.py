"""ocrmesh: OCR from the command line, model training, evaluation and export.

  ocrmesh ocr --lines IMAGE...          read cropped text lines (one JSON object per input)
  ocrmesh train recognizer [...]        train the CRNN on synthetic lines
  ocrmesh eval --manifest M.jsonl       CER/WER per subset
  ocrmesh export recognizer             write the ONNX model next to the checkpoint
  ocrmesh models list|evaluate|promote  model versions: score a candidate, promote it through a gate, roll back
  ocrmesh corrections export --out DIR  corrected results as training data (manifest.jsonl + images)
  ocrmesh cleanup --older-than 7d       delete stored images and results past retention
  ocrmesh keys create --owner NAME      API keys of the gateway (create | list | revoke KEY_ID)
  ocrmesh trace TRACE_ID                one request's spans across the services, as a tree (make up)
  ocrmesh dlq list|redrive QUEUE        dead-letter queues: their depths; move their messages back to work
"""
from __future__ import annotations

import argparse
import sys

from . import commands
from .corrections import add_corrections
from .dlq import add_dlq
from .models import add_models
from .traces import add_trace


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ocrmesh", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    commands.add_ocr(sub)
    command = next((a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")), None)
    commands.add_train(sub, with_options=command in (None, "train"))
    commands.add_eval(sub)
    commands.add_export(sub)
    add_models(sub)
    add_corrections(sub)
    commands.add_cleanup(sub)
    commands.add_keys(sub)
    add_trace(sub)
    add_dlq(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `ocrmesh ocr ... | head`
        return 0
    except (FileNotFoundError, ValueError) as exc:
        print(f"ocrmesh: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

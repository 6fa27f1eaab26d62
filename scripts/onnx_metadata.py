"""One-off: gives ONNX files exported before the config travelled in their metadata the ocrmesh metadata
(kind and config, from the checkpoint beside each), without touching their graphs or weights.

    .venv/bin/python scripts/onnx_metadata.py [MODEL_DIR]     (default: the repository's models/)

Every <name>.onnx with a <name>.pt beside it, under MODEL_DIR and MODEL_DIR/versions/<kind>/, is rewritten
in place; the graph (weights included) is checked to be byte for byte the same before and after.
Exports made since (`ocrmesh export`, `ocrmesh models promote`) write the metadata themselves.
"""
from __future__ import annotations

import sys
from pathlib import Path

import onnx

from ocr_models.checkpoint import load_checkpoint
from ocr_models.loader import model_dir
from ocr_models.runtime import read_metadata, write_metadata


def main(root: Path) -> int:
    paths = sorted([*root.glob("*.onnx"), *root.glob("versions/*/*.onnx")])
    for path in paths:
        checkpoint = path.with_suffix(".pt")
        if not checkpoint.exists():
            print(f"{path}: no checkpoint beside it, left as it is")
            continue
        ckpt = load_checkpoint(checkpoint)
        graph = onnx.load(str(path)).graph.SerializeToString()
        size = path.stat().st_size
        write_metadata(path, ckpt["kind"], ckpt["config"])
        if onnx.load(str(path)).graph.SerializeToString() != graph:
            raise SystemExit(f"{path}: the graph changed")
        kind, config = read_metadata(path)
        assert kind == ckpt["kind"] and config == _json_ready(ckpt["config"]), path
        print(f"{path}: {kind}, {size} -> {path.stat().st_size} bytes, graph unchanged")
    return 0


def _json_ready(config: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else model_dir()))

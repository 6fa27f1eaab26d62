"""ONNX Runtime sessions of ocrmesh's models. What serving runs: numpy and onnxruntime, no torch.

An exported model carries its config in the ONNX file's metadata (`metadata_props`, written at export):
`ocrmesh.kind` ("recognizer" or "detector") and `ocrmesh.config` (the JSON of the model's config: the
recognizer's charset and height, the detector's anchor heights, ...), so the .onnx file alone is enough
to serve it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

KIND_KEY = "ocrmesh.kind"
CONFIG_KEY = "ocrmesh.config"
INT8_SUFFIX = ".int8.onnx"
# The files of one model's weights, by the runtime that reads each, in the order `auto` prefers them.
TWIN_SUFFIXES = {"int8": INT8_SUFFIX, "onnx": ".onnx", "torch": ".pt"}


def weights_twin(path: str | Path, suffix: str) -> Path:
    """The file of the same weights with another of TWIN_SUFFIXES: models/recognizer.int8.onnx for
    models/recognizer.pt."""
    path = Path(path)
    name = next((path.name[: -len(s)] for s in TWIN_SUFFIXES.values() if path.name.endswith(s)), path.name)
    return path.with_name(name + suffix)


def int8_twin(path: str | Path) -> Path:
    """Where the int8 twin of these weights lives (`ocr_models.quantize` writes it)."""
    return weights_twin(path, INT8_SUFFIX)


class MissingMetadata(ValueError):
    """An ONNX file exported before the config travelled in its metadata."""


def session_options(threads: int = 1) -> ort.SessionOptions:
    """One intra-op thread by default: the services and the CLI get their parallelism from requests and
    batches running side by side, not from splitting one operator (docs/performance.md)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return opts


# Graph rewrites left out. QDQ propagation would move the quantizing after an int8 twin's float max-pool in front of
# it, so that the pool runs on uint8 in ONNX Runtime's generic kernel: 25 against 2.5 ms a dev page in the
# recognizer (docs/performance.md). It changes nothing else in our twins.
DISABLED_OPTIMIZERS = ["QDQPropagationTransformer"]


class OnnxModel:
    """An ONNX model and its config: `model(x)` runs it on one float32 input and returns its outputs."""

    def __init__(self, path: str | Path, threads: int = 1):
        self.path = Path(path)
        self.session = ort.InferenceSession(str(self.path), session_options(threads),
                                            providers=["CPUExecutionProvider"], disabled_optimizers=DISABLED_OPTIMIZERS)
        meta = self.session.get_modelmeta().custom_metadata_map
        if KIND_KEY not in meta or CONFIG_KEY not in meta:
            raise MissingMetadata(f"{self.path} carries no ocrmesh metadata: re-export it "
                                  "(`ocrmesh export`, or scripts/onnx_metadata.py for the committed models)")
        self.kind: str = meta[KIND_KEY]
        self.config: dict = json.loads(meta[CONFIG_KEY])
        self._input = self.session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        return self.session.run(None, {self._input: x})


def read_metadata(path: str | Path) -> tuple[str, dict]:
    """(kind, config) of an exported model."""
    model = OnnxModel(path)
    return model.kind, model.config


def write_metadata(path: str | Path, kind: str, config: dict) -> None:
    """Sets the ocrmesh metadata of an ONNX file in place; the graph and the weights stay as they are.

    Needs the `onnx` package (the train extra): only export writes metadata."""
    import onnx

    path = Path(path)
    model = onnx.load(str(path))
    props = {p.key: p.value for p in model.metadata_props}
    props.update({KIND_KEY: kind, CONFIG_KEY: json.dumps(config, ensure_ascii=False, sort_keys=True)})
    del model.metadata_props[:]
    for key, value in sorted(props.items()):
        model.metadata_props.add(key=key, value=value)
    tmp = path.with_suffix(path.suffix + ".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(path)

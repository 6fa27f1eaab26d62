"""The one way to load a model for reading: the default weights, the runtime choice, and a predictor.

    load_detector(path) -> TextDetector        load_recognizer(path) -> LineRecognizer

`path` is the model's checkpoint (.pt), its .onnx file or its int8 twin (.int8.onnx); the twins beside it are
found by name. Runtimes: "int8" runs the int8 twin (`ocr_models.quantize`) and "onnx" the float .onnx file in ONNX
Runtime, with the config from the file's metadata (numpy, OpenCV and onnxruntime only: what the services and their
images have); "torch" rebuilds the network from the checkpoint in PyTorch (training, evaluation, the promotion
gate; needs the `train` extra); "auto" is the first of int8, onnx and torch whose file exists.
"""
from __future__ import annotations

import os
from pathlib import Path

from .detection.config import CTPNConfig
from .detection.predictor import TextDetector
from .recognition.config import CRNNConfig
from .recognition.predictor import LineRecognizer
from .runtime import TWIN_SUFFIXES, OnnxModel, weights_twin

RUNTIMES = ("auto", "int8", "onnx", "torch")
REPO_MODELS = Path(__file__).resolve().parents[3] / "models"


def model_dir() -> Path:
    """The model folder: its <kind>.pt (+ .onnx) are the current weights, versions/ holds every version."""
    return Path(os.environ.get("OCRMESH_MODEL_DIR", REPO_MODELS))


def default_weights(kind: str) -> Path:
    """The current weights of a kind: OCRMESH_RECOGNIZER / OCRMESH_DETECTOR, else <model folder>/<kind>.pt."""
    return Path(os.environ.get(f"OCRMESH_{kind.upper()}", model_dir() / f"{kind}.pt"))


def resolve(path: str | Path, runtime: str = "auto") -> tuple[str, Path]:
    """(runtime, file to load): the int8 twin for "int8", the .onnx file for "onnx", the checkpoint for "torch"."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}: one of {', '.join(RUNTIMES)}")
    files = {name: weights_twin(path, suffix) for name, suffix in TWIN_SUFFIXES.items()}
    if runtime == "auto":
        runtime = next((r for r in ("int8", "onnx") if files[r].exists()), "torch")
    if runtime != "torch" and not files[runtime].exists():
        raise FileNotFoundError(f"{files[runtime]} not found: export it with `ocrmesh export`")
    return runtime, files[runtime]


def _onnx(path: Path, kind: str, threads: int) -> OnnxModel:
    model = OnnxModel(path, threads)
    if model.kind != kind:
        raise ValueError(f"{path} holds a {model.kind!r} model, expected {kind!r}")
    return model


def _torch_threads(threads: int | None) -> None:
    """PyTorch's intra-op threads are the process's, not one model's: set only when asked for."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def load_recognizer(path: str | Path | None = None, runtime: str = "auto", threads: int | None = None,
                    workers: int = 1, **kw) -> LineRecognizer:
    """The recognizer at `path` (default: the current weights). `threads`: intra-op threads of each batch, 1 by
    default and when `workers` > 1 (then `workers` batches run side by side, each on one thread); with "torch"
    they are the process's, left as they are unless given."""
    runtime, file = resolve(path or default_weights("recognizer"), runtime)
    if runtime == "torch":
        from .recognition.model import load_crnn, torch_recognizer

        _torch_threads(threads)
        return torch_recognizer(load_crnn(file), workers=workers, **kw)
    model = _onnx(file, "recognizer", 1 if workers > 1 or threads is None else threads)
    return LineRecognizer(model, CRNNConfig.from_dict(model.config), workers=workers, **kw)


def load_detector(path: str | Path | None = None, runtime: str = "auto", threads: int | None = None,
                  **kw) -> TextDetector:
    """The detector at `path` (default: the current weights), with `threads` intra-op threads (1 by default;
    with "torch" the process's, left as they are unless given)."""
    runtime, file = resolve(path or default_weights("detector"), runtime)
    if runtime == "torch":
        from .detection.model import load_ctpn, torch_detector

        _torch_threads(threads)
        return torch_detector(load_ctpn(file), **kw)
    model = _onnx(file, "detector", threads or 1)
    return TextDetector(model, CTPNConfig.from_dict(model.config), **kw)

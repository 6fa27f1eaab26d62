"""Checkpoints carry the model config beside the weights, so a model is rebuilt from one file; TorchRunner runs
the rebuilt network like an ONNX session (the torch runtime of training and evaluation); export_network writes
its ONNX model with the config in the file's metadata (what serving runs)."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch


def save_checkpoint(path: str | Path, *, kind: str, config: dict, model_state: dict, **extra) -> None:
    """Writes atomically (temp file + rename) so a stop mid-write never leaves a broken checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"kind": kind, "config": config, "model": model_state, **extra}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | Path, kind: str | None = None) -> dict:
    ckpt = torch.load(Path(path), map_location="cpu", weights_only=False)
    if not isinstance(ckpt, dict) or "config" not in ckpt or "model" not in ckpt:
        raise ValueError(f"{path} is not an ocrmesh checkpoint")
    if kind is not None and ckpt.get("kind") != kind:
        raise ValueError(f"{path} holds a {ckpt.get('kind')!r} model, expected {kind!r}")
    return ckpt


class TorchRunner:
    """Runs a network in PyTorch the way an ONNX session runs its export: numpy in, a list of numpy arrays out."""

    def __init__(self, model: torch.nn.Module):
        self.model = model.eval()

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            out = self.model(torch.from_numpy(x).to(device))
        return [t.cpu().numpy() for t in (out if isinstance(out, tuple) else (out,))]


def load_network(path: str | Path, kind: str, build: Callable[[dict], torch.nn.Module]) -> torch.nn.Module:
    """The network of a `kind` checkpoint: `build(config)` with the saved weights, in eval mode."""
    ckpt = load_checkpoint(path, kind)
    model = build(ckpt["config"])
    model.load_state_dict(ckpt["model"])
    return model.eval()


def export_network(model: torch.nn.Module, path: str | Path, kind: str, example: torch.Tensor, outputs: list[str],
                   dynamic_axes: dict) -> Path:
    """Exports `model` (its input named "images") to ONNX and writes its kind and config into the file's metadata."""
    from .runtime import write_metadata

    path = Path(path)
    torch.onnx.export(model.eval(), (example,), str(path), input_names=["images"], output_names=outputs,
                      dynamic_axes=dynamic_axes, opset_version=17, dynamo=False)
    write_metadata(path, kind, model.config.to_dict())
    return path

"""Checkpoints carry the model config beside the weights, so a model is rebuilt from one file; TorchRunner runs
the rebuilt network like an ONNX session (the torch runtime of training and evaluation)."""
from __future__ import annotations

import os
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
        with torch.inference_mode():
            out = self.model(torch.from_numpy(x))
        return [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]

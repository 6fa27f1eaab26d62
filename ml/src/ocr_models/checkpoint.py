"""Checkpoints carry the model config beside the weights, so a model is rebuilt from one file."""
from __future__ import annotations

import os
from pathlib import Path

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

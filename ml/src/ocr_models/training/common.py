"""Pieces shared by the training scripts: starting point, schedule, seeding, curve plots."""
from __future__ import annotations

import json
import math
import random
import shlex
import sys
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import load_checkpoint


def starting_point(resume: bool, last: Path, init: Path | None, kind: str) -> tuple[dict | None, dict | None]:
    """(run to continue, weights to fine-tune from), each loaded once or None.

    --resume with an existing OUT/last.pt continues that run (optimizer, step, random state) and wins
    over --init, which starts fresh from the given weights; with neither, training starts from scratch.
    """
    if resume and last.exists():
        return load_checkpoint(last, kind), None
    if init is not None:
        return None, load_checkpoint(init, kind)
    return None, None


def add_real_data_arguments(p, what: str, rows: str) -> None:
    """--data and --real-fraction, the same for both trainers."""
    p.add_argument("--data", type=Path, action="append", default=[],
                   help=f"real training {what}: a manifest in the evaldata format ({rows}); repeatable. "
                        "Never the evaluation data")
    p.add_argument("--real-fraction", type=float, default=0.5,
                   help=f"with --data, the fraction of steps that train on a batch of real {what}; the rest stay "
                        "synthetic so the model keeps what it could do")


def check_training_data(data: list[Path], eval_manifest: Path | None) -> None:
    """Refuses evaluation data as training data: the manifest measured on, or anything under an evaldata folder."""
    for path in data:
        resolved = path.resolve()
        if "evaldata" in resolved.parts or (eval_manifest is not None and resolved == eval_manifest.resolve()):
            raise SystemExit(f"--data {path}: evaluation data is for measuring only, never for training")


def real_step(step: int, real, fraction: float) -> bool:
    """Whether this step trains on real data: real batches spread evenly over the steps (0.5: every other)."""
    return real is not None and int((step + 1) * fraction) > int(step * fraction)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def warmup_cosine(step: int, total: int, warmup: int, floor: float = 0.05) -> float:
    """Learning-rate factor: linear warm-up, then cosine decay to `floor`."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def plot_curves(history: list[dict], path: Path, keys: list[str], title: str) -> None:
    """Writes a PNG of the loss and validation metrics against the training step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    train = [h for h in history if "loss" in h]
    if train:
        axes[0].plot([h["step"] for h in train], [h["loss"] for h in train], lw=0.8)
        axes[0].set_yscale("log")
    axes[0].set(xlabel="step", ylabel="training loss", title=title)
    for key in keys:
        pts = [(h["step"], h[key]) for h in history if key in h]
        if pts:
            axes[1].plot(*zip(*pts), marker="o", ms=3, label=key)
    axes[1].set(xlabel="step", ylabel="error rate", ylim=(0, None))
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def append_jsonl(path: Path, row: dict) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def training_record(args, trained_s: float) -> dict:
    """What a model card needs from the run that made the weights: the command, the data, the hours."""
    data = [str(d) for d in getattr(args, "data", [])]
    return {"command": shlex.join(["ocrmesh", *sys.argv[1:]]) if Path(sys.argv[0]).name == "ocrmesh" else None,
            "data": ["synthetic", *data], "init": str(args.init) if args.init else None,
            "hours": round(trained_s / 3600, 2)}

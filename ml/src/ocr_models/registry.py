"""Versioned models: every version's weights with its card, the current one, and the promotion gate.

Layout under the model folder (`models/` of the repository, or OCRMESH_MODEL_DIR):

    models/versions/<kind>/<version>.pt (+ .onnx, .int8.onnx)   every version, its card inside the checkpoint
    models/<kind>.pt (+ .onnx, .int8.onnx)                      a copy of the current version: what everything loads

Git stores identical files once, so the copy costs nothing in the repository. The card says where a
version came from (parent, data, command) and how it scored when it was promoted; it travels inside the
checkpoint, so weights and their history cannot drift apart.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .checkpoint import load_checkpoint, save_checkpoint
from .runtime import TWIN_SUFFIXES, weights_twin

KINDS = ("recognizer", "detector")
VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass
class ModelVersion:
    kind: str
    name: str
    path: Path
    card: dict
    current: bool = False


def card_of(path: Path) -> dict:
    """The card saved with the weights; weights from before versioning have an empty one."""
    return dict(load_checkpoint(path).get("card") or {})


def kind_of(path: Path) -> str:
    kind = load_checkpoint(path).get("kind")
    if kind not in KINDS:
        raise ValueError(f"{path} holds no recognizer or detector")
    return kind


class ModelStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def current_path(self, kind: str) -> Path:
        return self.root / f"{kind}.pt"

    def version_path(self, kind: str, name: str) -> Path:
        if not VERSION_NAME.match(name):
            raise ValueError(f"bad version name {name!r}: letters, digits, '.', '_' and '-', at most 64")
        return self.root / "versions" / kind / f"{name}.pt"

    def current_name(self, kind: str) -> str | None:
        path = self.current_path(kind)
        return card_of(path).get("version") if path.exists() else None

    def versions(self, kind: str) -> list[ModelVersion]:
        """Oldest first (by the time each was created)."""
        current = self.current_name(kind)
        found = []
        for path in sorted((self.root / "versions" / kind).glob("*.pt")):
            card = card_of(path)
            found.append(ModelVersion(kind, path.stem, path, card, current=path.stem == current))
        return sorted(found, key=lambda v: (v.card.get("created", ""), v.name))

    def resolve(self, kind: str, name: str) -> Path:
        """The weights of a stored version, by name."""
        stored = self.version_path(kind, name)
        if not stored.exists():
            raise FileNotFoundError(f"no {kind} version {name!r} in {self.root / 'versions' / kind}")
        return stored

    def add(self, candidate: Path, name: str, card: dict) -> ModelVersion:
        """Stores candidate's weights as a new version with its card, and its ONNX twin."""
        kind = kind_of(candidate)
        target = self.version_path(kind, name)
        if target.exists():
            raise ValueError(f"{kind} version {name!r} exists already")
        ckpt = load_checkpoint(candidate, kind)
        keep = {k: ckpt[k] for k in ("step", "params", "trained_s", "training", "interpolated") if k in ckpt}
        card = {"version": name, "created": datetime.now(UTC).isoformat(timespec="seconds"), **card}
        save_checkpoint(target, kind=kind, config=ckpt["config"], model_state=ckpt["model"], card=card, **keep)
        export_onnx_twin(kind, target)
        return ModelVersion(kind, name, target, card)

    def make_current(self, version: ModelVersion) -> None:
        """Copies the version over the current weights, ONNX first: a process that loads while this runs
        finds either the old or the new pair complete (each file is replaced atomically)."""
        current = self.current_path(version.kind)
        for src, dst in zip(twins(version.path), twins(current)):
            if not src.exists():   # a version from before int8 twins: serving must not keep the newer twin
                dst.unlink(missing_ok=True)
                continue
            tmp = dst.with_name(dst.name + ".tmp")
            shutil.copyfile(src, tmp)
            tmp.replace(dst)


def twins(path: Path) -> list[Path]:
    """A version's files in the order a promotion replaces them: the int8 twin and the .onnx file (what serving
    loads) before the checkpoint."""
    return [weights_twin(path, suffix) for suffix in TWIN_SUFFIXES.values()]


def export_onnx_twin(kind: str, path: Path) -> Path:
    """Writes the ONNX model beside the weights, its config in the file's metadata, and its int8 twin (what
    serving runs by default, `ocr_models.quantize`)."""
    from .quantize import quantize

    if kind == "recognizer":
        from .recognition.model import export_onnx
        from .recognition.model import load_crnn as load
    else:
        from .detection.model import export_onnx
        from .detection.model import load_ctpn as load
    onnx_path = export_onnx(load(path), path.with_suffix(".onnx"))
    quantize(onnx_path)
    return onnx_path


# --- the gate -----------------------------------------------------------------------------------
# Figures compared between the current model and a candidate: (name, lower is better).
METRICS = {"cer": True, "f1": False, "cov_f1": False, "case_errors": True}


def compare(current: dict, candidate: dict, tolerance: float) -> list[dict]:
    """Rows per evaluation subset and metric; `worse` where the candidate loses more than `tolerance`
    points (percentage points: CER 1.0 % -> 1.2 % is 0.2 points, F1 0.90 -> 0.89 is 1 point)."""
    rows = []
    for subset in sorted(set(current) | set(candidate)):
        for metric, lower_better in METRICS.items():
            a, b = current.get(subset, {}).get(metric), candidate.get(subset, {}).get(metric)
            if a is None or b is None:
                continue
            loss = (b - a if lower_better else a - b) * 100
            rows.append({"subset": subset, "metric": metric, "current": a, "candidate": b,
                         "change_points": round((b - a) * 100, 2), "worse": loss > tolerance})
    return rows


def interpolate(base: Path, tuned: Path, alpha: float, out: Path) -> Path:
    """Weights (1 - alpha) * base + alpha * tuned, as in WiSE-FT (Wortsman et al., 2022): a fine-tune and the
    weights it started from lie in one basin, and a point between them keeps most of what the fine-tune
    learned while forgetting less of what the base could do. Integer buffers (BatchNorm's step counters)
    come from `tuned`. The result is a checkpoint of tuned's kind and config."""
    return _weighted_mean([base, tuned], [1 - alpha, alpha], out, "interpolate", interpolated={"alpha": alpha})


def average(paths: list[Path], out: Path) -> Path:
    """The mean of several checkpoints' weights: snapshots of one run (checkpoint averaging) or runs from one
    start (a "model soup", Wortsman et al., 2022) lie in one basin, and their mean reads more steadily than any
    one of them. Integer buffers come from the last. The result is a checkpoint of the last one's kind and config,
    recording its sources."""
    if len(paths) < 2:
        raise ValueError("average needs at least two checkpoints")
    return _weighted_mean(paths, [1 / len(paths)] * len(paths), out, "average",
                          averaged={"of": [str(p) for p in paths]})


def _weighted_mean(paths: list[Path], weights: list[float], out: Path, verb: str, **record) -> Path:
    """sum(weight * weights of each checkpoint) for float tensors; integer buffers, the training record and the
    kind and config from the last checkpoint, which all must share."""
    ckpts = [load_checkpoint(p) for p in paths]
    last = ckpts[-1]
    states = [_in_config_of(c, last, f"{p} and {paths[-1]} are not the same model: cannot {verb}")
              for p, c in zip(paths, ckpts)]
    state = {k: sum(w * s[k] for w, s in zip(weights, states)) if v.is_floating_point() else v
             for k, v in last["model"].items()}
    keep = {k: last[k] for k in ("step", "params", "trained_s", "training") if k in last}
    save_checkpoint(out, kind=last["kind"], config=last["config"], model_state=state, **record, **keep)
    return out


def _in_config_of(ckpt: dict, target: dict, refusal: str) -> dict:
    """ckpt's weights shaped as target's model. A recognizer whose charset the target's extends is extended
    first (it reads exactly as before), so a run that learned more characters can be mixed with its start."""
    if ckpt["kind"] == target["kind"] and ckpt["config"] == target["config"]:
        return ckpt["model"]
    charset = target["config"].get("charset", "")
    if ckpt["kind"] == target["kind"] == "recognizer" and {**ckpt["config"], "charset": charset} == target["config"] \
            and charset.startswith(ckpt["config"]["charset"]):
        from .recognition.model import CRNN, CRNNConfig, extend_charset

        model = CRNN(CRNNConfig.from_dict(ckpt["config"]))
        model.load_state_dict(ckpt["model"])
        return extend_charset(model, charset).state_dict()
    raise ValueError(refusal)

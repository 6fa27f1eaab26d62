"""Where the committed weights and the real evaluation data live, and how a user overrides them."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def model_dir() -> Path:
    """The model folder: its <kind>.pt are the current weights, versions/ holds every version."""
    from ocr_models.loader import model_dir

    return model_dir()


def default_evaldata() -> Path:
    """The real evaluation data: OCRMESH_EVALDATA, else shared/evaldata/dev beside this repository, else
    beside the repository this checkout was cloned from (so a fresh clone made elsewhere still finds it)."""
    if "OCRMESH_EVALDATA" in os.environ:
        return Path(os.environ["OCRMESH_EVALDATA"])
    beside = REPO_ROOT.parent / "shared" / "evaldata" / "dev"
    origin = _local_origin()
    if not beside.is_dir() and origin is not None and (origin.parent / "shared" / "evaldata" / "dev").is_dir():
        return origin.parent / "shared" / "evaldata" / "dev"
    return beside


def _local_origin() -> Path | None:
    """The directory of the `origin` remote when it is a path on this machine."""
    try:
        url = subprocess.run(["git", "-C", str(REPO_ROOT), "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(url.removeprefix("file://"))
    return path.resolve() if url and path.is_absolute() and path.is_dir() else None

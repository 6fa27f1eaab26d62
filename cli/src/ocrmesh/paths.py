"""Where the committed weights live, and how a user overrides them."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def default_recognizer() -> Path:
    return Path(os.environ.get("OCRMESH_RECOGNIZER", REPO_ROOT / "models" / "recognizer.pt"))


def default_detector() -> Path:
    return Path(os.environ.get("OCRMESH_DETECTOR", REPO_ROOT / "models" / "detector.pt"))

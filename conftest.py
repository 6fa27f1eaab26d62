"""Shared pytest fixtures: paths to the evaluation data and the committed weights."""
from __future__ import annotations

from pathlib import Path

import pytest

from ocrmesh.paths import default_evaldata

REPO = Path(__file__).resolve().parent
EVALDATA = default_evaldata()
RECOGNIZER = REPO / "models" / "recognizer.pt"
DETECTOR = REPO / "models" / "detector.pt"


@pytest.fixture(scope="session")
def evaldata() -> Path:
    if not (EVALDATA / "lines" / "manifest.jsonl").exists():
        # Quality and end-to-end tests fail rather than skip without the data: point OCRMESH_EVALDATA at it.
        pytest.fail(f"evaluation data missing at {EVALDATA} (set OCRMESH_EVALDATA)")
    return EVALDATA


@pytest.fixture(scope="session")
def recognizer_path() -> Path:
    assert RECOGNIZER.exists(), "committed recognizer weights are missing"
    return RECOGNIZER


@pytest.fixture(scope="session")
def detector_path() -> Path:
    assert DETECTOR.exists(), "committed detector weights are missing"
    return DETECTOR

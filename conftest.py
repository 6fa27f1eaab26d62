"""Shared pytest fixtures: paths to the evaluation data and the committed weights."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
EVALDATA = Path(os.environ.get("OCRMESH_EVALDATA", REPO.parent / "shared" / "evaldata" / "dev"))
RECOGNIZER = REPO / "models" / "recognizer.pt"
DETECTOR = REPO / "models" / "detector.pt"


@pytest.fixture(scope="session")
def evaldata() -> Path:
    if not (EVALDATA / "lines" / "manifest.jsonl").exists():
        if os.environ.get("CI"):
            pytest.fail(f"evaluation data missing at {EVALDATA}")
        pytest.skip(f"evaluation data not found at {EVALDATA}")
    return EVALDATA


@pytest.fixture(scope="session")
def recognizer_path() -> Path:
    assert RECOGNIZER.exists(), "committed recognizer weights are missing"
    return RECOGNIZER


@pytest.fixture(scope="session")
def detector_path() -> Path:
    assert DETECTOR.exists(), "committed detector weights are missing"
    return DETECTOR

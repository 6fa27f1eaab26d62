"""Scores the recognizer (and later the detector) on manifests in the evaldata format."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import cv2

from .metrics import ErrorRate, normalize_for_scoring


def read_manifest(path: str | Path) -> list[dict]:
    path = Path(path)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if "image" not in row:
                raise ValueError(f"{path}:{n}: entry has no 'image'")
            rows.append(row)
    return rows


def resolve_image(manifest: str | Path, image: str) -> Path:
    p = Path(image)
    return p if p.is_absolute() else Path(manifest).parent / p


def read_image(path: str | Path):
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read image {path}")
    return img


def evaluate_lines(recognizer, manifest: str | Path, limit: int | None = None) -> dict:
    """CER/WER per subset and overall for a manifest of cropped lines."""
    rows = read_manifest(manifest)[:limit]
    images = [read_image(resolve_image(manifest, r["image"])) for r in rows]
    preds = recognizer.recognize(images)
    per_subset: dict[str, ErrorRate] = defaultdict(ErrorRate)
    total = ErrorRate()
    for row, pred in zip(rows, preds):
        cs = row.get("case_sensitive", True)
        p, t = normalize_for_scoring(pred.text, cs), normalize_for_scoring(row["text"], cs)
        per_subset[row.get("subset", "all")].add(p, t)
        total.add(p, t)
    return {"subsets": {k: v.as_dict() for k, v in sorted(per_subset.items())}, "overall": total.as_dict()}

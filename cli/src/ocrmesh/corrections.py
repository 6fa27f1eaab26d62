"""Turns stored results and their corrections into training data (`ocrmesh corrections export`).

Which lines become training data (the rule, and why):
- a line a person corrected (its text, its box, or both), or confirmed by correcting the whole text it
  belongs to, is exported with its final text and box: a person looked at it;
- an uncorrected line of an image that has corrections is exported when the model read it with
  confidence >= --min-confidence (default 0.9): the person reviewed the image and left the line alone,
  and at that confidence our reads are almost always right; below it the line becomes an ignore region
  (`"ignore": true`), so neither model learns from a read nobody confirmed;
- a line marked deleted is not text: it is left out, and the detector learns that place as background;
- an image nobody corrected is not exported at all: nothing says its reads are right.

Case: where no exported line of an image has a lower-case letter, the row is marked
`case_sensitive: false`. People who type corrections in capitals (and transcriptions such as SROIE's)
tell the letters, not the case; training then uses case-folded targets for that row, so the models
do not learn that such documents are upper-case.

A whole-text correction is aligned back to the lines by edit distance (rapidfuzz's Levenshtein
opcodes): the line breaks of the text as read are carried to the corrected text, so each line gets
the part of the correction that replaced it.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ocr_common.corrections import split_like

DEFAULT_MIN_CONFIDENCE = 0.9


@dataclass
class TrainingLine:
    points: list | None
    text: str
    confidence: float | None
    reviewed: bool = False
    deleted: bool = False


def final_lines(detail: dict) -> list[TrainingLine]:
    """The image's lines after every correction, applied oldest first."""
    lines = {ln["index"]: TrainingLine(ln.get("points"), ln.get("text") or "", ln.get("confidence"))
             for ln in sorted(detail.get("lines", []), key=lambda ln: ln["index"])}
    for c in sorted(detail.get("corrections", []), key=lambda c: c["created_at"]):
        index = c.get("line_index")
        if index is None:
            alive = [ln for ln in lines.values() if not ln.deleted]
            for ln, text in zip(alive, split_like([ln.text for ln in alive], c["text"])):
                ln.text, ln.reviewed = text, True
            continue
        ln = lines.setdefault(index, TrainingLine(None, "", None))   # a box the person added
        ln.text, ln.reviewed = c["text"], True
        ln.deleted = bool(c.get("deleted"))
        if c.get("points"):
            ln.points = c["points"]
    return [ln for ln in lines.values() if not ln.deleted and ln.points]


def manifest_row(detail: dict, image_name: str, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> dict | None:
    """One row of an evaldata-format manifest, or None when the image teaches nothing."""
    if not detail.get("corrections"):
        return None
    boxes = []
    for ln in final_lines(detail):
        keep = ln.text.strip() and (ln.reviewed or (ln.confidence or 0.0) >= min_confidence)
        boxes.append({"points": ln.points, "text": ln.text} if keep else {"points": ln.points, "text": "###", "ignore": True})
    if not any("ignore" not in b for b in boxes):
        return None
    text = "\n".join(b["text"] for b in boxes if "ignore" not in b)
    return {"image": image_name, "width": detail.get("width"), "height": detail.get("height"), "text": text,
            "boxes": boxes, "box_level": "line", "case_sensitive": any(c.islower() for c in text),
            "source": f"ocrmesh:{detail['id']}",
            "owner": detail.get("owner"), "subset": "corrections"}


# --- the command -------------------------------------------------------------------------------
def add_corrections(sub) -> None:
    p = sub.add_parser("corrections", help="export corrected results as training data")
    verbs = p.add_subparsers(dest="verb", required=True)
    ex = verbs.add_parser("export", help="write DIR/manifest.jsonl (the evaldata format) and the images",
                          description="Reads the image-store's corrected results that may teach the models (owners "
                          "the image-store's TRAINING_OWNERS allows) and writes them as training data: " + __doc__)
    ex.add_argument("--out", type=Path, required=True, help="folder for manifest.jsonl and images/")
    ex.add_argument("--since", help="only results created at or after this date or ISO time")
    ex.add_argument("--owner", help="only this owner's results")
    ex.add_argument("--imagestore-url", default="http://127.0.0.1:8003",
                    help="the image-store (default: its port under make up)")
    ex.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE,
                    help="uncorrected lines of a corrected image are kept at this confidence or above")
    ex.set_defaults(func=run_export)


def _pages(client, params: dict):
    while True:
        r = client.get("/v1/images", params=params)
        r.raise_for_status()
        body = r.json()
        yield from body["items"]
        if not body.get("next_cursor"):
            return
        params = {**params, "cursor": body["next_cursor"]}


def run_export(args) -> int:
    import httpx

    params = {k: v for k, v in (("since", args.since), ("owner", args.owner)) if v}
    with httpx.Client(base_url=args.imagestore_url, timeout=60) as client:
        written, skipped = export(client, args.out, params, args.min_confidence)
    print(f"exported {written} results to {args.out / 'manifest.jsonl'} ({skipped} with nothing to teach or no file)")
    return 0


def export(client, out: Path, params: dict, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> tuple[int, int]:
    """Writes out/manifest.jsonl and out/images/ from an image-store client; (written, skipped)."""
    from tqdm import tqdm

    (out / "images").mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        listing = _pages(client, {"training": "true", "limit": 200, **params})
        for item in tqdm(listing, desc="exporting", unit="result", file=sys.stderr):
            r = client.get(f"/v1/images/{item['id']}")
            if r.status_code == 404:        # expired since it was listed
                continue
            r.raise_for_status()
            detail = r.json()
            name = f"images/{detail['id']}{_suffix(detail.get('content_type'))}"
            row = manifest_row(detail, name, min_confidence) if detail.get("file_url") else None
            if row is None:
                skipped += 1
                continue
            with client.stream("GET", detail["file_url"]) as r, (out / name).open("wb") as f:
                r.raise_for_status()
                for chunk in r.iter_bytes():
                    f.write(chunk)
            manifest.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += 1
    return written, skipped


def _suffix(content_type: str | None) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif", "image/webp": ".webp",
            "image/bmp": ".bmp", "image/gif": ".gif"}.get(content_type or "", ".img")

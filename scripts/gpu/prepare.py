"""Packs what a recognizer training run needs on a borrowed GPU machine, which has PyTorch but none of
our font or word-list packages and no network: the usable fonts, trimmed word lists, the SROIE receipts
as small grey WebP pages (a third the size of JPEG at the same look), and the dev lines to measure on.
Writes .gpu/ (git-ignored; with the working tree, under the 64 MiB that travel). See docs/models.md, "Recognizer v2, stage 2".

    .venv/bin/python scripts/gpu/prepare.py

A distilled run (the one-layer recognizer, docs/models.md stage 20) needs two more things, packed small:
--case-from gives the receipts' upper-case labels their case on this machine (as `--case-from` of the trainer
does, so the GPU machine needs neither those weights nor ONNX Runtime), and --teacher packs the teacher's
weights in half precision (half the bytes; the trainer loads them back into float32), taking their size off
the fonts' budget:

    .venv/bin/python scripts/gpu/prepare.py --case-from models/versions/recognizer/learn-20261130-2002.onnx \
        --teacher models/versions/recognizer/v2-20261206-points.pt
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
from pathlib import Path

import cv2

from ocr_common.geometry import crop_quad
from ocr_models.checkpoint import load_checkpoint, save_checkpoint
from ocr_models.data.fonts import FONT_DIRS, by_group, discover_fonts, split_fonts
from ocr_models.data.real_lines import cased_label
from ocr_models.data.text import DICT_DIR, FOREIGN_WORD_LISTS, read_word_list
from ocr_models.loader import load_recognizer
from ocr_models.recognition.vocab import CHARSETS, Charset

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".gpu"
SHARED = ROOT.parent / "shared"
WORDS_PER_LIST = 30_000
LINE_HEIGHT = 24          # receipts are scaled so their median line is at most this tall (the model reads 32 px
                          # crops with margins, so text is 19-29 px there)
FONT_BUDGET = 19 << 20    # bytes of font files


def copy_fonts(budget: int = FONT_BUDGET) -> None:
    fonts = discover_fonts(CHARSETS["science"])
    train, held_out = split_fonts(fonts)
    size_of = lambda f: Path(f.path).stat().st_size  # noqa: E731
    # Within the budget: the two smallest files of each held-out family (validation) and, per training group,
    # its smallest file, then the others in random order, one round at a time.
    rng = random.Random(7)
    chosen = []
    for files in by_group(held_out).values():
        chosen += sorted(files, key=size_of)[:2]
    groups = by_group(train)
    for files in groups.values():
        smallest = min(files, key=size_of)
        rng.shuffle(files)
        files.sort(key=lambda f: f is not smallest)
    size = sum(map(size_of, chosen))
    for round_ in range(max(len(v) for v in groups.values())):
        for files in groups.values():
            if round_ < len(files):
                n = size_of(files[round_])
                if round_ == 0 or size + n <= budget:
                    chosen.append(files[round_])
                    size += n
    for f in chosen:
        base = next(d for d in FONT_DIRS if f.path.startswith(d))
        dest = OUT / "fonts" / Path(base).name / Path(f.path).relative_to(base)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f.path, dest)
    print(f"fonts: {len(chosen)} of {len(fonts)} files, {len(groups)} training groups, {size / 2**20:.1f} MiB")


def copy_word_lists() -> None:
    (OUT / "dict").mkdir(parents=True, exist_ok=True)
    for name in ("american-english", *FOREIGN_WORD_LISTS):
        src = DICT_DIR / name
        if not src.exists():
            continue
        words = read_word_list(src)
        words = sorted(random.Random(name).sample(words, min(WORDS_PER_LIST, len(words))))
        (OUT / "dict" / name).write_text("\n".join(words) + "\n", encoding="utf-8")
    print("word lists:", sorted(p.name for p in (OUT / "dict").iterdir()))


def take_case(image, row: dict, reader) -> tuple[list[dict], list[dict]]:
    """(boxes whose upper-case label took its case from `reader`'s reading, the others as they were, ignored
    ones included)."""
    charset = Charset(reader.config.charset)
    readable = [b for b in row["boxes"] if not b.get("ignore") and b.get("text", "").strip()]
    readings = reader.recognize([crop_quad(image, b["points"]) for b in readable])   # the detector's crops
    taken = {id(box): cased_label(box["text"], read.text, charset) for box, read in zip(readable, readings, strict=True)}
    cased, folded = [], []
    for box in row["boxes"]:
        text = taken.get(id(box))
        if text is None:
            folded.append(box)
        else:
            cased.append({**box, "text": text})
    return cased, folded


def shrink_receipts(reader=None) -> None:
    src = SHARED / "trainingdata" / "sroie"
    dest = OUT / "sroie"
    (dest / "images").mkdir(parents=True, exist_ok=True)
    rows, taken = [], 0
    for line in (src / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        image = cv2.imread(str(src / row["image"]), cv2.IMREAD_GRAYSCALE)
        # A page's lines that took a case go into a second row of the same image, marked case-sensitive.
        parts = [(row.get("case_sensitive", True), row["boxes"])]
        if reader is not None and not row.get("case_sensitive", True):
            cased, folded = take_case(image, row, reader)
            parts = [(True, cased), (False, folded)]
            taken += len(cased)
        heights = [max(p[1] for p in b["points"]) - min(p[1] for p in b["points"]) for b in row["boxes"]]
        scale = min(1.0, LINE_HEIGHT / max(1.0, statistics.median(heights)))
        if scale < 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        name = Path(row["image"]).with_suffix(".webp").name
        cv2.imwrite(str(dest / "images" / name), image, [cv2.IMWRITE_WEBP_QUALITY, 75])
        for case_sensitive, boxes in parts:
            if boxes:
                boxes = [{**b, "points": [[round(x * scale, 1), round(y * scale, 1)] for x, y in b["points"]]}
                         for b in boxes]
                rows.append({"image": f"images/{name}", "boxes": boxes, "case_sensitive": case_sensitive,
                             "subset": row.get("subset"), "license": row.get("license")})
    (dest / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"receipts: {len({r['image'] for r in rows})} pages, {sum(len(r['boxes']) for r in rows)} lines"
          + (f", {taken} took their case" if reader is not None else ""))


def copy_dev_lines() -> None:
    # Measured on during training, never trained on (the trainer refuses evaldata as --data).
    shutil.copytree(SHARED / "evaldata" / "dev" / "lines", OUT / "devlines", dirs_exist_ok=True)


def pack_teacher(weights: Path) -> int:
    """The teacher's checkpoint with its floating-point weights in half precision: .gpu/teacher.pt's size."""
    ckpt = load_checkpoint(weights)
    half = {k: v.half() if v.is_floating_point() else v for k, v in ckpt.pop("model").items()}
    save_checkpoint(OUT / "teacher.pt", model_state=half, **{k: ckpt[k] for k in ("kind", "config")},
                    packed_from=str(weights))
    return (OUT / "teacher.pt").stat().st_size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--case-from", type=Path, metavar="WEIGHTS", help="give the receipts' labels their case here")
    p.add_argument("--teacher", type=Path, metavar="WEIGHTS", help="pack these weights as .gpu/teacher.pt")
    args = p.parse_args()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    teacher = pack_teacher(args.teacher) if args.teacher else 0
    copy_fonts(FONT_BUDGET - teacher)
    copy_word_lists()
    shrink_receipts(load_recognizer(args.case_from, workers=2) if args.case_from else None)
    copy_dev_lines()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f".gpu: {total / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()

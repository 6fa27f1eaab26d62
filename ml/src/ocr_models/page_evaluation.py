"""Scores the text detector (and detector + recognizer end to end) on page manifests in the evaldata format.

Detection is compared on axis-aligned boxes (the bbox of each quad):
- precision / recall / F1 at IoU >= 0.5 with one-to-one greedy matching (best IoU first);
- coverage: ground-truth boxes are often words or line segments while the detector finds whole lines,
  so one prediction may cover several GT boxes. A GT box is covered when at least `min_cover` of its
  area lies inside one predicted line whose vertical extent matches it (vertical IoU >= 0.5); a
  predicted line is correct when at least half of its area is covered by GT boxes.
- line_f1, where the boxes are words (DocBank): the same IoU-F1 against line boxes built from the words
  (word_boxes_to_lines), i.e. against the lines a reader would draw.
GT boxes marked "ignore" (figures, equations, illegible words) count for neither side, and predictions
lying mostly inside them are dropped before scoring; for reading, word by word (a recognized word lying
mostly inside an ignore box is not scored, the rest of its line is).

End-to-end CER (needs a recognizer) scores what `ocrmesh ocr` returns (PageReader: the lines kept after
reading). Order-insensitive at page level where the page has boxes: every
GT box is assigned to the predicted line covering most of it (as above, but with at least 30 % of its
area and vertical IoU >= 0.3, so a line that cuts a box still reads part of it); each predicted line is compared with
its GT boxes joined by spaces, left to right. GT boxes no line covers count as deletions, predicted
lines without GT (outside ignore regions) as insertions. Pages with only a page transcription (no
boxes) are compared in reading order: predicted lines joined by newlines against the page text, after
whitespace normalisation and after joining words hyphenated across lines (as such transcriptions do). Case is folded where the manifest says case_sensitive false.
"""
from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .evaluation import read_image, read_manifest, resolve_image
from .metrics import ErrorRate, normalize_for_scoring
from .pipeline import PageReader


# --- geometry ----------------------------------------------------------------------------------------
def quads_to_boxes(quads) -> np.ndarray:
    q = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    return np.concatenate([q.min(1), q.max(1)], 1)


def _intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    return iw * ih


def _area(b: np.ndarray) -> np.ndarray:
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def _vertical_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    inter = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    union = (a[:, 3] - a[:, 1])[:, None] + (b[:, 3] - b[:, 1])[None, :] - inter
    return inter / np.maximum(union, 1e-6)


def _as_boxes(b) -> np.ndarray:
    return np.asarray(b, np.float32).reshape(-1, 4)


def _drop_ignored(pred: np.ndarray, ignore_boxes: np.ndarray, frac: float = 0.5) -> np.ndarray:
    """Mask of predictions NOT lying mostly (>= frac of their area) inside ignore boxes."""
    if len(pred) == 0 or len(ignore_boxes) == 0:
        return np.ones(len(pred), bool)
    inside = _intersection(pred, ignore_boxes).sum(1) / np.maximum(_area(pred), 1e-6)
    return inside < frac


def match_boxes(pred_boxes, gt_boxes, gt_ignore=None, iou_threshold: float = 0.5) -> dict:
    """One-to-one matching at IoU >= iou_threshold. Returns counts tp, n_pred, n_gt (ignores excluded)."""
    pred, gt = _as_boxes(pred_boxes), _as_boxes(gt_boxes)
    ign = np.zeros(len(gt), bool) if gt_ignore is None else np.asarray(gt_ignore, bool)
    pred = pred[_drop_ignored(pred, gt[ign])]
    gt = gt[~ign]
    tp = 0
    if len(pred) and len(gt):
        inter = _intersection(pred, gt)
        iou = inter / np.maximum(_area(pred)[:, None] + _area(gt)[None, :] - inter, 1e-6)
        p_idx, g_idx = np.nonzero(iou >= iou_threshold)
        order = np.argsort(-iou[p_idx, g_idx], kind="stable")
        used_p, used_g = set(), set()
        for k in order:
            p, g = int(p_idx[k]), int(g_idx[k])
            if p not in used_p and g not in used_g:
                used_p.add(p)
                used_g.add(g)
        tp = len(used_p)
    return {"tp": tp, "n_pred": len(pred), "n_gt": len(gt)}


def coverage(pred_boxes, gt_boxes, gt_ignore=None, min_cover: float = 0.6, min_vertical_iou: float = 0.5,
             min_pred_cover: float = 0.5, kept=None) -> dict:
    """Many-to-one coverage (see the module docstring).

    Returns covered (GT boxes covered), n_gt, correct (predictions covered by GT), n_pred, and
    `owner`: for each GT box (in input order) the index of the prediction covering it, or -1
    (-2 for ignore boxes); `kept`: mask of predictions scored (not lying inside ignore boxes), or the
    caller's mask where it decided that itself (word by word, for reading).
    """
    pred, gt = _as_boxes(pred_boxes), _as_boxes(gt_boxes)
    ign = np.zeros(len(gt), bool) if gt_ignore is None else np.asarray(gt_ignore, bool)
    kept = _drop_ignored(pred, gt[ign]) if kept is None else np.asarray(kept, bool)
    owner = np.where(ign, -2, -1)
    correct = 0
    if len(pred) and len(gt):
        inter = _intersection(pred, gt)                                   # (P, G)
        frac = inter / np.maximum(_area(gt), 1e-6)[None, :]
        ok = (frac >= min_cover) & (_vertical_iou(pred, gt) >= min_vertical_iou) & kept[:, None]
        best = np.where(ok, frac, -1.0).argmax(0)
        has = ok[best, np.arange(len(gt))] & ~ign
        owner = np.where(has, best, owner)
        covered_area = np.minimum(inter.sum(1), _area(pred))             # GT boxes of a line barely overlap
        correct = int(((covered_area >= min_pred_cover * _area(pred)) & kept).sum())
    return {"covered": int((owner >= 0).sum()), "n_gt": int((~ign).sum()), "correct": correct,
            "n_pred": int(kept.sum()), "owner": owner, "kept": kept}


def prf(tp_p: int, n_pred: int, tp_g: int, n_gt: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (empty sets score 1)."""
    p = tp_p / n_pred if n_pred else 1.0
    r = tp_g / n_gt if n_gt else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


def word_boxes_to_lines(words: np.ndarray, min_overlap: float = 0.6, max_gap: float = 1.0) -> np.ndarray:
    """Line boxes (L, 4) from word boxes (N, 4), as a reader draws them: two words are on one line when
    they overlap vertically by min_overlap of the smaller height and the space between them is at most
    max_gap text heights (wider spaces are column gutters or table cells)."""
    words = np.asarray(words, np.float32).reshape(-1, 4)
    n = len(words)
    if n == 0:
        return words
    h = words[:, 3] - words[:, 1]
    overlap = np.minimum(words[:, None, 3], words[None, :, 3]) - np.maximum(words[:, None, 1], words[None, :, 1])
    space = np.maximum(words[None, :, 0] - words[:, None, 2], words[:, None, 0] - words[None, :, 2])
    linked = (overlap >= min_overlap * np.minimum(h[:, None], h[None, :])) & (space <= max_gap * np.maximum(h[:, None], h[None, :]))
    parent = np.arange(n)

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return int(k)

    for i, j in zip(*np.nonzero(np.triu(linked, 1))):
        parent[root(i)] = root(j)
    roots = np.array([root(k) for k in range(n)])
    return np.array([[words[roots == r, 0].min(), words[roots == r, 1].min(), words[roots == r, 2].max(),
                      words[roots == r, 3].max()] for r in np.unique(roots)], np.float32)


# --- pages -------------------------------------------------------------------------------------------
@dataclass
class PageRecord:
    image: np.ndarray
    quads: np.ndarray          # (G, 4, 2) GT boxes (empty when the page has only text)
    texts: list[str]
    ignore: np.ndarray         # (G,) bool
    text: str                  # the page transcription
    subset: str
    case_sensitive: bool
    name: str
    scale: float = 1.0         # the image (and quads) were resized by this factor when loaded
    box_level: str = "line"    # the manifest's box_level: "word" boxes are also grouped into lines (line_f1)


def load_pages(manifest: str | Path, limit: int | None = None, max_side: int | None = None) -> list[PageRecord]:
    """Reads a pages manifest; with max_side, images (and boxes) are downscaled once at load, which keeps
    repeated evaluations during training cheap."""
    pages = []
    for row in read_manifest(manifest)[:limit]:
        image = read_image(resolve_image(manifest, row["image"]))
        boxes = row.get("boxes") or []
        quads = np.asarray([b["points"] for b in boxes], np.float32).reshape(-1, 4, 2)
        scale = 1.0
        if max_side and max(image.shape[:2]) > max_side:
            scale = max_side / max(image.shape[:2])
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            quads = quads * scale
        pages.append(PageRecord(image, quads, [b.get("text", "") for b in boxes],
                                np.array([bool(b.get("ignore", False)) for b in boxes], bool),
                                row.get("text", ""), row.get("subset", "all"), row.get("case_sensitive", True),
                                row["image"], scale, row.get("box_level") or "line"))
    return pages


def evaluate_pages(detector, manifest, recognizer=None, limit: int | None = None, iou_threshold: float = 0.5) -> dict:
    """Detection P/R/F1, coverage P/R/F1 and (with a recognizer) end-to-end CER, per subset and overall.

    manifest: a pages manifest path, or PageRecords from load_pages. recognizer: anything with
    `.recognize(list of crops) -> objects with .text` (e.g. LineRecognizer).
    """
    pages = manifest if isinstance(manifest, list) else load_pages(manifest, limit)
    pages = pages[:limit]
    reader = PageReader(detector, recognizer) if recognizer is not None else None
    stats: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    errors: dict[str, ErrorRate] = defaultdict(ErrorRate)
    for page in pages:
        t0 = time.perf_counter()
        result = detector.detect(page.image)
        seconds = time.perf_counter() - t0
        pred_quads = np.asarray([ln.points for ln in result.lines], np.float32).reshape(-1, 4, 2)
        pred = quads_to_boxes(pred_quads)
        for key in (page.subset, "overall"):
            s = stats[key]
            s["pages"] += 1
            s["seconds"] += seconds
            s["downscaled_pages"] += result.downscaled
        if len(page.quads):
            gt = quads_to_boxes(page.quads)
            m = match_boxes(pred, gt, page.ignore, iou_threshold)
            c = coverage(pred, gt, page.ignore)
            if page.box_level == "word":   # IoU-F1 against the lines a reader draws around these words
                lines, ignored = word_boxes_to_lines(gt[~page.ignore]), gt[page.ignore]
                lm = match_boxes(pred, np.concatenate([lines, ignored]),
                                 np.r_[np.zeros(len(lines), bool), np.ones(len(ignored), bool)])
                for key in (page.subset, "overall"):
                    stats[key]["line_pages"] += 1
                    stats[key]["line_tp"] += lm["tp"]
                    stats[key]["line_n_pred"] += lm["n_pred"]
                    stats[key]["line_n_gt"] += lm["n_gt"]
            for key in (page.subset, "overall"):
                s = stats[key]
                s["box_pages"] += 1
                s["tp"] += m["tp"]
                s["n_pred"] += m["n_pred"]
                s["n_gt"] += m["n_gt"]
                s["covered"] += c["covered"]
                s["cov_gt"] += c["n_gt"]
                s["correct"] += c["correct"]
                s["cov_pred"] += c["n_pred"]
        if reader is not None:
            add_reading(errors, page, reader.read_lines(page.image, result.lines))
    return {"subsets": {k: _summary(v, errors.get(k)) for k, v in sorted(stats.items()) if k != "overall"},
            "overall": _summary(stats["overall"], errors.get("overall")) if pages else {}}


def reading_pairs(page: PageRecord, read) -> list[tuple[str, str]]:
    """(text read, its truth) pairs of one page, as the module docstring says; `read` are the lines an engine
    returned (objects with .points, .text and .words, each word with .points and .text)."""
    texts = [ln.text for ln in read]
    if not len(page.quads):
        # Page transcriptions (e.g. Project Gutenberg) join hyphenated words across lines; so does the comparison.
        return [(_dehyphenate("\n".join(texts)), page.text)]
    gt = quads_to_boxes(page.quads)
    read_boxes = quads_to_boxes(np.asarray([ln.points for ln in read], np.float32).reshape(-1, 4, 2))
    scored, kept = _outside_ignored(read, read_boxes, gt[page.ignore])
    # A looser assignment than coverage-F1's: a line cutting a box still reads part of it.
    return _line_pairs(page, gt, scored, coverage(read_boxes, gt, page.ignore, min_cover=0.3, min_vertical_iou=0.3,
                                                  kept=kept))


def add_reading(errors: dict[str, ErrorRate], page: PageRecord, read) -> None:
    """Adds one page's reading to its subset's and the overall error rates."""
    for pred_text, truth in reading_pairs(page, read):
        p = normalize_for_scoring(pred_text, page.case_sensitive)
        t = normalize_for_scoring(truth, page.case_sensitive)
        errors[page.subset].add(p, t)
        errors["overall"].add(p, t)


def _dehyphenate(text: str) -> str:
    return re.sub(r"(\w)-\n(\w)", r"\1\2", text)


def _outside_ignored(read, read_boxes: np.ndarray, ignored: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Each read line's text without its words lying mostly inside ignore boxes, and whether it is scored at all.

    Ignore boxes count for neither side word by word, as DocBank marks them: a token set in a maths font inside a
    sentence is an ignore box, and the words around it are scored while the reading of the token is not. Lines
    without word boxes are kept or dropped whole (mostly inside ignore boxes: dropped)."""
    kept = _drop_ignored(read_boxes, ignored)
    texts = [ln.text for ln in read]
    if not len(ignored):
        return texts, kept
    for i, ln in enumerate(read):
        if ln.words:
            boxes = quads_to_boxes(np.asarray([w.points for w in ln.words], np.float32).reshape(-1, 4, 2))
            outside = _drop_ignored(boxes, ignored)
            texts[i] = " ".join(w.text for w, out in zip(ln.words, outside) if out)
            kept[i] = bool(outside.any())
    return texts, kept


def _line_pairs(page: PageRecord, gt: np.ndarray, texts: list[str], cov: dict) -> list[tuple[str, str]]:
    """(recognized line, its GT boxes' text left to right) pairs, plus unmatched GT and predictions."""
    owner, kept = cov["owner"], cov["kept"]
    pairs = []
    for p, text in enumerate(texts):
        mine = np.nonzero(owner == p)[0]
        if len(mine):
            mine = mine[np.argsort((gt[mine, 0] + gt[mine, 2]) / 2, kind="stable")]
            pairs.append((text, " ".join(page.texts[g] for g in mine)))
        elif kept[p]:
            pairs.append((text, ""))
    pairs += [("", page.texts[g]) for g in np.nonzero(owner == -1)[0]]
    return pairs


def _summary(s: dict, er: ErrorRate | None) -> dict:
    out = {"pages": int(s["pages"]), "downscaled_pages": int(s["downscaled_pages"]),
           "seconds_per_page": round(s["seconds"] / max(s["pages"], 1), 3)}
    if s["box_pages"]:
        p, r, f = prf(s["tp"], s["n_pred"], s["tp"], s["n_gt"])
        cp, cr, cf = prf(s["correct"], s["cov_pred"], s["covered"], s["cov_gt"])
        out.update({"gt_boxes": int(s["n_gt"]), "pred_lines": int(s["n_pred"]), "precision": p, "recall": r, "f1": f,
                    "cov_precision": cp, "cov_recall": cr, "cov_f1": cf})
    if s["line_pages"]:
        out["line_f1"] = prf(s["line_tp"], s["line_n_pred"], s["line_tp"], s["line_n_gt"])[2]
    if er is not None and er.lines:
        out.update({"cer": round(er.cer, 4), "wer": round(er.wer, 4)})
    return out

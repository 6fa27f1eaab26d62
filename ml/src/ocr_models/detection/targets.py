"""CTPN anchors, training targets (numpy) and the loss (torch).

A ground-truth line is cut into the 16-px columns of the stride grid. In each column the line has a
vertical extent (for a tilted line, the part of its quad inside the column), and the anchors of that
column are labelled by their vertical IoU with it: >= 0.7 positive (plus the best anchor of every column,
so text of any height gets at least one), < 0.5 negative, in between ignored. Columns the line only
touches (less than half covered) are ignored rather than negative.

Coordinates are continuous pixel edges: column c covers x in [16c, 16c + 16), anchor centres sit at
16r + 8.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .config import STRIDE

POSITIVE_IOU = 0.7
NEGATIVE_IOU = 0.5
SIDE_RANGE = 32.0      # anchors whose centre is this close to a line end learn the end's x
IGNORE = -1


def anchor_centers(size: int) -> np.ndarray:
    """Centres of the stride-16 cells along an axis of `size` feature cells."""
    return np.arange(size, dtype=np.float32) * STRIDE + STRIDE / 2


def boxes_to_quads(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) [x0, y0, x1, y1] -> (N, 4, 2) quads TL, TR, BR, BL."""
    b = np.asarray(boxes, np.float32).reshape(-1, 4)
    x0, y0, x1, y1 = b.T
    return np.stack([np.stack([x0, y0], 1), np.stack([x1, y0], 1), np.stack([x1, y1], 1), np.stack([x0, y1], 1)], 1)


def quads_to_boxes(quads: np.ndarray) -> np.ndarray:
    q = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    return np.concatenate([q.min(1), q.max(1)], 1)


def split_into_columns(quads: np.ndarray, width: int, min_cover: float = 0.5):
    """Cuts lines into stride columns.

    Returns per piece: line index, column index, top, bottom, and whether the column is covered enough
    (>= min_cover of 16 px, or the line's best column when the line is narrower) to be a target rather
    than ignored. A tilted line's extent in a column is taken from its top and bottom edges there.
    """
    quads = np.asarray(quads, np.float32).reshape(-1, 4, 2)
    boxes = quads_to_boxes(quads)
    n_cols = width // STRIDE
    c0 = np.clip(np.floor(boxes[:, 0] / STRIDE).astype(np.int64), 0, n_cols)
    c1 = np.clip(np.ceil(boxes[:, 2] / STRIDE).astype(np.int64), 0, n_cols)  # exclusive
    counts = np.maximum(c1 - c0, 0)
    line = np.repeat(np.arange(len(quads)), counts)
    if len(line) == 0:
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0, np.float32)
        return empty_i, empty_i, empty_f, empty_f, np.zeros(0, bool)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    col = c0[line] + np.arange(len(line)) - start
    xa = np.maximum(col * STRIDE, boxes[line, 0])
    xb = np.minimum(col * STRIDE + STRIDE, boxes[line, 2])
    cover = (xb - xa) / STRIDE

    def edge_y(p, q, x):  # y on the line through points p and q at x (extrapolated)
        dx = q[..., 0] - p[..., 0]
        t = np.where(np.abs(dx) > 1e-3, (x - p[..., 0]) / np.where(np.abs(dx) > 1e-3, dx, 1.0), 0.0)
        return p[..., 1] + t * (q[..., 1] - p[..., 1])

    q = quads[line]
    top = np.minimum(edge_y(q[:, 0], q[:, 1], xa), edge_y(q[:, 0], q[:, 1], xb))
    bottom = np.maximum(edge_y(q[:, 3], q[:, 2], xa), edge_y(q[:, 3], q[:, 2], xb))
    top = np.clip(top, boxes[line, 1], boxes[line, 3])
    bottom = np.clip(bottom, boxes[line, 1], boxes[line, 3])
    # A line narrower than the cover threshold still gets its best column.
    best = np.zeros(len(quads), np.float32)
    np.maximum.at(best, line, cover)
    valid = (cover >= min_cover) | ((cover >= best[line] - 1e-6) & (cover > 0))
    return line, col, top.astype(np.float32), bottom.astype(np.float32), valid


@dataclass
class Targets:
    labels: np.ndarray      # (h, w, K) int8: 1 text, 0 background, -1 ignored
    regression: np.ndarray  # (h, w, K, 3) float32: dy, dh, side offset
    side_mask: np.ndarray   # (h, w, K) bool: anchors that learn a line end


def assign_targets(quads, image_hw: tuple[int, int], anchor_heights, ignore_quads=None) -> Targets:
    """Labels and regression targets for one image of size image_hw (multiples of 16).

    quads: (N, 4, 2) line quads TL, TR, BR, BL (or (N, 4) axis-aligned boxes). ignore_quads: regions
    (e.g. lines cut by the image border) whose anchors are neither positive nor negative.
    """
    quads = np.asarray(quads, np.float32)
    if quads.ndim == 2 and quads.shape[-1] == 4 or quads.size == 0:
        quads = boxes_to_quads(quads.reshape(-1, 4))
    H, W = image_hw
    h, w = H // STRIDE, W // STRIDE
    ah = np.asarray(anchor_heights, np.float32)
    k = len(ah)
    cy = anchor_centers(h)
    a_top = cy[:, None] - ah[None, :] / 2           # (h, K)
    a_bot = cy[:, None] + ah[None, :] / 2
    labels = np.zeros((h, w, k), np.int8)
    regression = np.zeros((h, w, k, 3), np.float32)
    side_mask = np.zeros((h, w, k), bool)

    if ignore_quads is not None and len(ignore_quads):
        iq = np.asarray(ignore_quads, np.float32)
        if iq.ndim == 2:
            iq = boxes_to_quads(iq)
        _, col, top, bot, _ = split_into_columns(iq, W, min_cover=0.0)
        iou = _vertical_iou(top, bot, a_top, a_bot)
        g, r, a = np.nonzero(iou >= 0.3)
        labels[r, col[g], a] = IGNORE

    line, col, top, bot, valid = split_into_columns(quads, W)
    if len(line) == 0:
        return Targets(labels, regression, side_mask)
    iou = _vertical_iou(top, bot, a_top, a_bot)     # (G, h, K)

    # Partly covered columns: ignore anchors that would have been positive-ish.
    g, r, a = np.nonzero((iou >= NEGATIVE_IOU) & ~valid[:, None, None])
    labels[r, col[g], a] = IGNORE
    iou = iou[valid]
    line, col, top, bot = line[valid], col[valid], top[valid], bot[valid]

    # For each anchor keep the column piece it overlaps most (pieces of different lines can share a column).
    g, r, a = np.nonzero(iou >= NEGATIVE_IOU)
    v = iou[g, r, a]
    flat = (r * w + col[g]) * k + a
    order = np.lexsort((v, flat))
    keep = order[np.append(flat[order][1:] != flat[order][:-1], True)] if len(order) else order
    g, r, a, v = g[keep], r[keep], a[keep], v[keep]
    labels[r, col[g], a] = np.where(v >= POSITIVE_IOU, 1, IGNORE)
    assigned = np.full((h, w, k), -1, np.int64)     # the piece each positive anchor regresses to
    pos = v >= POSITIVE_IOU
    assigned[r[pos], col[g[pos]], a[pos]] = g[pos]

    # Every column piece gets at least one positive: its best anchor not already taken by another piece
    # (dense small text puts several lines in one cell row; they then use different anchor heights).
    has_pos = np.zeros(len(iou), bool)
    has_pos[assigned[assigned >= 0]] = True
    for _ in range(4):
        need = np.nonzero(~has_pos)[0]
        if len(need) == 0:
            break
        cand = np.where(assigned[:, col[need], :].transpose(1, 0, 2) >= 0, -1.0, iou[need])
        best = cand.reshape(len(need), -1).argmax(1)
        value = cand.reshape(len(need), -1)[np.arange(len(need)), best]
        need, best, value = need[value > 0], best[value > 0], value[value > 0]
        if len(need) == 0:
            break
        br, ba = np.divmod(best, k)
        flat = (br * w + col[need]) * k + ba
        order = np.lexsort((-value, flat))              # one winner per anchor: the best-overlapping piece
        win = order[np.r_[True, flat[order][1:] != flat[order][:-1]]]
        g = need[win]
        labels[br[win], col[g], ba[win]] = 1
        assigned[br[win], col[g], ba[win]] = g
        has_pos[g] = True

    r, c, a = np.nonzero(labels == 1)
    g = assigned[r, c, a]
    gt_cy, gt_h = (top[g] + bot[g]) / 2, np.maximum(bot[g] - top[g], 1.0)
    regression[r, c, a, 0] = (gt_cy - cy[r]) / ah[a]
    regression[r, c, a, 1] = np.log(gt_h / ah[a])

    # Side refinement: anchors near a line end learn the end's x, in units of the stride.
    boxes = quads_to_boxes(quads)
    cx = c * STRIDE + STRIDE / 2
    x0, x1 = boxes[line[g], 0], boxes[line[g], 2]
    d0, d1 = np.abs(cx - x0), np.abs(x1 - cx)
    wide = (x1 - x0) > STRIDE
    near = wide & (np.minimum(d0, d1) <= SIDE_RANGE)
    side_x = np.where(d0 <= d1, x0, x1)
    regression[r, c, a, 2] = np.where(near, (side_x - cx) / STRIDE, 0.0)
    side_mask[r, c, a] = near
    return Targets(labels, regression, side_mask)


def _vertical_iou(top, bot, a_top, a_bot) -> np.ndarray:
    """IoU of vertical intervals: pieces (G,) against anchors (h, K) -> (G, h, K)."""
    t, b = top[:, None, None], bot[:, None, None]
    inter = np.clip(np.minimum(b, a_bot[None]) - np.maximum(t, a_top[None]), 0, None)
    union = (b - t) + (a_bot - a_top)[None] - inter
    return inter / np.maximum(union, 1e-6)


def collate_targets(targets: list[Targets]) -> dict[str, torch.Tensor]:
    return {
        "labels": torch.from_numpy(np.stack([t.labels for t in targets])).long(),
        "regression": torch.from_numpy(np.stack([t.regression for t in targets])),
        "side_mask": torch.from_numpy(np.stack([t.side_mask for t in targets])),
    }


def ctpn_loss(scores: torch.Tensor, regression: torch.Tensor, labels: torch.Tensor, reg_targets: torch.Tensor,
              side_mask: torch.Tensor, neg_ratio: float = 3.0, min_negatives: int = 64,
              reg_weight: float = 1.0, side_weight: float = 2.0) -> dict[str, torch.Tensor]:
    """Classification: mean CE of positives + half the mean CE of all negatives + half the mean of the
    hardest neg_ratio x P negatives (hard-negative mining). Regression: smooth-L1 on positives."""
    ce = F.cross_entropy(scores.reshape(-1, 2), labels.clamp(min=0).reshape(-1), reduction="none")
    lab = labels.reshape(-1)
    pos, neg = lab == 1, lab == 0
    n_pos = int(pos.sum())
    zero = scores.sum() * 0.0
    pos_loss = ce[pos].mean() if n_pos else zero
    neg_ce = ce[neg]
    if neg_ce.numel():
        k = min(neg_ce.numel(), max(int(neg_ratio * n_pos), min_negatives))
        neg_loss = 0.5 * neg_ce.mean() + 0.5 * neg_ce.topk(k).values.mean()
    else:
        neg_loss = zero
    pos4 = labels == 1
    if n_pos:
        reg_loss = F.smooth_l1_loss(regression[..., :2][pos4], reg_targets[..., :2][pos4], beta=0.1)
    else:
        reg_loss = zero
    loss = pos_loss + neg_loss + reg_weight * reg_loss
    out = {"cls_pos": pos_loss.detach(), "cls_neg": neg_loss.detach(), "reg": reg_loss.detach()}
    if regression.shape[-1] > 2:
        side = side_mask & pos4
        side_loss = F.smooth_l1_loss(regression[..., 2][side], reg_targets[..., 2][side], beta=0.1) if side.any() else zero
        loss = loss + side_weight * side_loss
        out["side"] = side_loss.detach()
    out["loss"] = loss
    return out


def distillation_loss(student: tuple[torch.Tensor, torch.Tensor], teacher: tuple[torch.Tensor, torch.Tensor],
                      min_text: float = 0.5) -> torch.Tensor:
    """How far a student detector's outputs (scores, regression) are from a teacher's on the same pages: the KL
    divergence from the teacher's text / non-text distribution of every anchor to the student's, averaged over all
    anchors and again over those the teacher calls text (p >= min_text: a page's few percent, which the plain mean
    would drown), plus the smooth-L1 distance of their regressions weighted by the teacher's p(text)."""
    (s_scores, s_reg), (t_scores, t_reg) = student, teacher
    t_log = t_scores.log_softmax(-1)
    kl = (t_log.exp() * (t_log - s_scores.log_softmax(-1))).sum(-1)
    text = t_log[..., 1].exp()
    on_text = text >= min_text
    loss = kl.mean() + (kl[on_text].mean() if on_text.any() else kl.sum() * 0.0)
    reg = F.smooth_l1_loss(s_reg, t_reg, beta=0.1, reduction="none").sum(-1)
    return loss + (reg * text).sum() / text.sum().clamp_min(1.0)

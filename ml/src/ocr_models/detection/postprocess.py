"""From CTPN outputs to text lines in reading order. Numpy only.

1. decode_proposals: per-anchor text probability and vertical regression -> 16-px-wide proposals.
2. column_nms: greedy NMS, vectorised across columns (proposals of different columns never overlap).
3. build_lines: the CTPN text-line construction. A proposal's successor is the best-scoring proposal in
   the nearest column to its right (centres within one text height, i.e. ~33 px for 33-px text) that overlaps it
   vertically and has a similar height; the link is kept when the proposal is also the best of that
   successor's candidates on the left. Chains become lines; a line is fitted through the proposals'
   tops and bottoms, giving a quad (TL, TR, BR, BL) and a score (mean proposal score).
4. split_at_blank_gaps: a line is cut where the page shows no ink across it for more than 1.5 text
   heights. The model may fire over a narrow column gutter or a receipt's "TOTAL      12.15"; a reader
   draws two boxes there (SROIE's segments and PP-OCR's boxes do), and reading order keeps the columns.
   split_at_gutters: a line is also cut at a narrower blank where it crosses a gutter between two text
   columns that other rows nearby show apart (justified columns may be one text height apart).
5. reading_order: recursive XY-cut that only splits into columns when the pieces look like text columns
   (wide, several lines); otherwise lines are read in rows, top to bottom, left to right.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..pixels import percentiles
from .config import STRIDE


@dataclass
class PostprocessParams:
    score_threshold: float = 0.5
    nms_iou: float = 0.3
    max_proposals: int = 20000
    min_vertical_overlap: float = 0.7
    min_size_similarity: float = 0.7
    gap_per_height: float = 1.0      # linked proposals' centres are at most this many text heights apart
    max_gap: float = 128.0           # ... and at most this many pixels (never less than one column)
    line_min_score: float = 0.7
    min_proposals: int = 1
    min_height: float = 4.0
    split_gap_per_height: float = 1.5  # a line is cut at a blank space wider than this many text heights
    split_min_contrast: float = 24.0   # ... judged only where ink and paper differ by this many grey levels
    gutter_gap_per_height: float = 0.8  # a narrower blank is cut too where it is a gutter between text columns:
    gutter_lines: int = 3              # ... at least this many lines nearby end at its left and start at its right,
    gutter_window: float = 8.0         # ... within this many text heights above or below, and
    gutter_column_width: float = 8.0   # ... each of them at least this many text heights wide (text, not prices)


@dataclass
class Proposals:
    boxes: np.ndarray    # (N, 4) x0, y0, x1, y1
    scores: np.ndarray   # (N,)
    sides: np.ndarray    # (N,) x of the nearest line end predicted by side refinement (nan without it)

    def __len__(self) -> int:
        return len(self.scores)

    def take(self, idx) -> Proposals:
        return Proposals(self.boxes[idx], self.scores[idx], self.sides[idx])


def text_probability(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (2 logits) -> probability of text."""
    d = np.clip(scores[..., 1] - scores[..., 0], -60, 60)
    return 1.0 / (1.0 + np.exp(-d))


def decode_proposals(scores: np.ndarray, regression: np.ndarray, anchor_heights, threshold: float,
                     max_proposals: int = 20000) -> Proposals:
    """scores (h, w, K, 2) logits, regression (h, w, K, R) for one image -> proposals above threshold."""
    prob = text_probability(scores)
    r, c, a = np.nonzero(prob > threshold)
    p = prob[r, c, a]
    if len(p) > max_proposals:
        top = np.argpartition(-p, max_proposals)[:max_proposals]
        r, c, a, p = r[top], c[top], a[top], p[top]
    ah = np.asarray(anchor_heights, np.float32)[a]
    reg = regression[r, c, a]
    cy = r * STRIDE + STRIDE / 2 + reg[:, 0] * ah
    hh = ah * np.exp(np.clip(reg[:, 1], -4, 4))
    x0 = (c * STRIDE).astype(np.float32)
    boxes = np.stack([x0, cy - hh / 2, x0 + STRIDE, cy + hh / 2], 1).astype(np.float32)
    cx = x0 + STRIDE / 2
    sides = (cx + reg[:, 2] * STRIDE) if reg.shape[1] > 2 else np.full(len(p), np.nan, np.float32)
    return Proposals(boxes, p.astype(np.float32), sides.astype(np.float32))


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of axis-aligned boxes (N, 4) x (M, 4) -> (N, M)."""
    a, b = np.asarray(a, np.float32).reshape(-1, 4), np.asarray(b, np.float32).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-6)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Plain greedy NMS over arbitrary boxes; returns kept indices by descending score."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    boxes = np.asarray(boxes, np.float32)[order]
    keep = []
    alive = np.ones(len(order), bool)
    for i in range(len(order)):
        if not alive[i]:
            continue
        keep.append(order[i])
        alive[i + 1:] &= box_iou(boxes[i], boxes[i + 1:])[0] <= iou_threshold
    return np.asarray(keep, np.int64)


def column_nms(props: Proposals, iou_threshold: float) -> Proposals:
    """Greedy NMS for proposals of equal width on the stride grid, all columns at once.

    Proposals are laid out in a (columns, rank) table sorted by score; rank m is decided for every
    column in one vectorised step, so the loop runs over the largest per-column count, not over boxes.
    """
    if len(props) == 0:
        return props
    col = np.round(props.boxes[:, 0] / STRIDE).astype(np.int64)
    order = np.lexsort((-props.scores, col))
    col_s = col[order]
    uniq, start, counts = np.unique(col_s, return_index=True, return_counts=True)
    rank = np.arange(len(order)) - np.repeat(start, counts)
    slot = np.repeat(np.arange(len(uniq)), counts)
    m = int(counts.max())
    table = np.full((len(uniq), m), -1, np.int64)
    table[slot, rank] = order
    valid = table >= 0
    top = np.where(valid, props.boxes[table.clip(0), 1], 0.0)
    bot = np.where(valid, props.boxes[table.clip(0), 3], 0.0)
    hgt = bot - top
    alive = valid.copy()
    keep = np.zeros_like(valid)
    for j in range(m):
        # Rank j's IoU with every rank, in the columns where rank j is kept: a (columns, m) table a step, not a
        # (columns, m, m) one at once (those megabytes cost more in fresh pages than in arithmetic).
        rows = np.flatnonzero(alive[:, j])
        keep[rows, j] = True
        alive[:, j] = False
        if len(rows) == 0:
            continue
        t, b, h = top[rows], bot[rows], hgt[rows]
        inter = np.clip(np.minimum(b, b[:, j, None]) - np.maximum(t, t[:, j, None]), 0, None)
        iou = inter / np.maximum(h + h[:, j, None] - inter, 1e-6)
        alive[rows] &= iou <= iou_threshold
    kept = table[keep]
    return props.take(kept[np.argsort(-props.scores[kept], kind="stable")])


def _candidate_pairs(props: Proposals, params: PostprocessParams):
    """All (left, right) proposal pairs that may be linked: right is in a later column within the gap
    limit of the left one's height, they overlap vertically and have similar heights."""
    b = props.boxes
    col = np.round(b[:, 0] / STRIDE).astype(np.int64)
    h = b[:, 3] - b[:, 1]
    max_dist = np.clip(params.gap_per_height * h, STRIDE, max(params.max_gap, STRIDE))
    max_cols = np.floor(max_dist / STRIDE + 1e-6).astype(np.int64)
    order = np.argsort(col, kind="stable")
    col_s = col[order]
    lo = np.searchsorted(col_s, col + 1, "left")
    hi = np.searchsorted(col_s, col + max_cols, "right")
    n = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(col)), n)
    j = order[np.repeat(lo, n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)]
    inter = np.minimum(b[i, 3], b[j, 3]) - np.maximum(b[i, 1], b[j, 1])
    ok = inter >= params.min_vertical_overlap * np.minimum(h[i], h[j])
    ok &= np.minimum(h[i], h[j]) >= params.min_size_similarity * np.maximum(h[i], h[j])
    return i[ok], j[ok], col


def _best_per_group(group: np.ndarray, dist: np.ndarray, score: np.ndarray, other: np.ndarray, n: int):
    """For each group id (0..n-1): among its pairs the nearest column, then the best score.
    Returns (chosen `other` index or -1, best score among the nearest-column candidates or -inf)."""
    chosen = np.full(n, -1, np.int64)
    best = np.full(n, -np.inf, np.float32)
    if len(group) == 0:
        return chosen, best
    order = np.lexsort((-score, dist, group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    sel = order[first]
    chosen[group[sel]] = other[sel]
    best[group[sel]] = score[sel]
    return chosen, best


def _chain_roots(succ: np.ndarray) -> np.ndarray:
    """Each node's chain head, given successor links (-1 for none) with at most one predecessor each."""
    n = len(succ)
    pred = np.full(n, -1, np.int64)
    has = succ >= 0
    pred[succ[has]] = np.nonzero(has)[0]
    root = np.where(pred >= 0, pred, np.arange(n))
    while True:  # pointer jumping: O(log chain length) rounds
        nxt = root[root]
        if np.array_equal(nxt, root):
            return root
        root = nxt


def build_lines(props: Proposals, params: PostprocessParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Links proposals into lines. Returns quads (L, 4, 2) TL, TR, BR, BL and scores (L,)."""
    params = params or PostprocessParams()
    n = len(props)
    if n == 0:
        return np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
    i, j, col = _candidate_pairs(props, params)
    dist = col[j] - col[i]
    s = props.scores
    succ, _ = _best_per_group(i, dist, s[j], j, n)
    _, best_pred_score = _best_per_group(j, dist, s[i], i, n)
    has = succ >= 0
    mutual = np.zeros(n, bool)
    mutual[has] = s[has] >= best_pred_score[succ[has]] - 1e-7
    succ = np.where(mutual, succ, -1)
    # Ties can give a node two predecessors: keep the better-scoring one.
    src = np.nonzero(succ >= 0)[0]
    if len(src):
        order = np.lexsort((-s[src], succ[src]))
        dup = np.r_[False, succ[src][order][1:] == succ[src][order][:-1]]
        succ[src[order][dup]] = -1

    _, group = np.unique(_chain_roots(succ), return_inverse=True)
    return _fit_lines(props, group, params)


def _fit_lines(props: Proposals, group: np.ndarray, params: PostprocessParams):
    b = props.boxes
    g = group.max() + 1
    cnt = np.bincount(group, minlength=g).astype(np.float64)
    x0 = np.full(g, np.inf)
    x1 = np.full(g, -np.inf)
    np.minimum.at(x0, group, b[:, 0])
    np.maximum.at(x1, group, b[:, 2])
    score = np.bincount(group, props.scores, minlength=g) / cnt

    # Least-squares lines through the tops and through the bottoms against the proposal centres; the
    # common slope is the average of both, each edge keeps its own offset.
    cx = (b[:, 0] + b[:, 2]) / 2
    sx, sxx = np.bincount(group, cx, g), np.bincount(group, cx * cx, g)
    den = cnt * sxx - sx * sx
    slopes = []
    means = []
    for y in (b[:, 1], b[:, 3]):
        sy, sxy = np.bincount(group, y, g), np.bincount(group, cx * y, g)
        slopes.append(np.where(den > 1e-6, (cnt * sxy - sx * sy) / np.where(den > 1e-6, den, 1.0), 0.0))
        means.append(sy / cnt)
    slope = np.clip((slopes[0] + slopes[1]) / 2, -1.0, 1.0)
    mx = sx / cnt

    # Side refinement: the ends come from the outermost proposals' side predictions when they agree.
    sides = props.sides
    if np.isfinite(sides).any():
        left = np.full(g, -1, np.int64)
        right = np.full(g, -1, np.int64)
        order = np.lexsort((b[:, 0], group))
        first = np.r_[True, group[order][1:] != group[order][:-1]]
        last = np.r_[group[order][1:] != group[order][:-1], True]
        left[group[order][first]] = order[first]
        right[group[order][last]] = order[last]
        multi = cnt >= 2
        lx = sides[left]
        rx = sides[right]
        ok_l = multi & np.isfinite(lx) & (lx >= x0 - STRIDE) & (lx <= x0 + STRIDE)
        ok_r = multi & np.isfinite(rx) & (rx >= x1 - STRIDE) & (rx <= x1 + STRIDE)
        x0 = np.where(ok_l, lx, x0)
        x1 = np.where(ok_r, rx, x1)
        bad = x1 - x0 < 2
        x0, x1 = np.where(bad, b[left, 0], x0), np.where(bad, np.maximum(b[right, 2], b[left, 0] + 2), x1)

    top0 = means[0] + slope * (x0 - mx)
    top1 = means[0] + slope * (x1 - mx)
    bot0 = means[1] + slope * (x0 - mx)
    bot1 = means[1] + slope * (x1 - mx)
    quads = np.stack([np.stack([x0, top0], 1), np.stack([x1, top1], 1),
                      np.stack([x1, bot1], 1), np.stack([x0, bot0], 1)], 1).astype(np.float32)
    height = np.minimum(bot0 - top0, bot1 - top1)
    keep = (score >= params.line_min_score) & (cnt >= params.min_proposals) & (height >= params.min_height)
    return quads[keep], score[keep].astype(np.float32)


def postprocess(scores: np.ndarray, regression: np.ndarray, anchor_heights,
                params: PostprocessParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Model outputs for one image -> (quads (L, 4, 2), scores (L,)) in model-input pixels, unordered."""
    params = params or PostprocessParams()
    props = decode_proposals(scores, regression, anchor_heights, params.score_threshold, params.max_proposals)
    props = column_nms(props, params.nms_iou)
    return build_lines(props, params)


def split_at_blank_gaps(quads: np.ndarray, scores: np.ndarray, gray: np.ndarray,
                        params: PostprocessParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cuts each line where no column of its box holds ink over more than split_gap_per_height text
    heights; the pieces keep the line's slanted top and bottom edges and its score. `gray` is the page
    the quads are in (uint8). Word spaces, even a monospace double space, are narrower than the cut."""
    params = params or PostprocessParams()
    out_q, out_s = [], []
    for q, score in zip(quads, scores):
        box, runs = _line_runs(q, gray, params.split_gap_per_height, params.split_min_contrast)
        for piece in _pieces(q, box, runs, range(1, len(runs))):
            out_q.append(piece)
            out_s.append(score)
    return np.asarray(out_q, np.float32).reshape(-1, 4, 2), np.asarray(out_s, np.float32)


def split_at_gutters(quads: np.ndarray, scores: np.ndarray, gray: np.ndarray,
                     params: PostprocessParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cuts lines that run across a narrow column gutter. Two justified columns may be only about one text
    height apart, narrower than split_at_blank_gaps' cut, and the model then links a few rows across the
    gutter. A blank of more than gutter_gap_per_height text heights in a line is a gutter when, within
    gutter_window text heights above and below, at least gutter_lines text lines end at its left and as
    many start at its right, each gutter_column_width text heights wide or more: other rows show the
    columns apart. Receipts' price columns are narrow, and word spaces are narrower than the gap."""
    params = params or PostprocessParams()
    boxes = np.concatenate([quads.min(1), quads.max(1)], 1) if len(quads) else np.zeros((0, 4), np.float32)
    heights = boxes[:, 3] - boxes[:, 1]
    centres = (boxes[:, 1] + boxes[:, 3]) / 2
    wide = boxes[:, 2] - boxes[:, 0] >= params.gutter_column_width * heights
    out_q, out_s = [], []
    for i, (q, score) in enumerate(zip(quads, scores)):
        near = wide & (np.abs(centres - centres[i]) <= params.gutter_window * heights[i])
        near[i] = False
        box, runs, cuts = None, [], []
        if near.sum() >= params.gutter_lines:   # fewer text lines nearby show no gutter: the ink need not be read
            box, runs = _line_runs(q, gray, params.gutter_gap_per_height, params.split_min_contrast)
            for k in range(1, len(runs)):
                left, right = box[0] + runs[k - 1][1], box[0] + runs[k][0]   # the blank, in page pixels
                ends_left = near & (boxes[:, 2] <= right) & (boxes[:, 2] >= left - heights[i])
                starts_right = near & (boxes[:, 0] >= left) & (boxes[:, 0] <= right + heights[i])
                if min(int(ends_left.sum()), int(starts_right.sum())) >= params.gutter_lines:
                    cuts.append(k)
        for piece in _pieces(q, box, runs, cuts):
            out_q.append(piece)
            out_s.append(score)
    return np.asarray(out_q, np.float32).reshape(-1, 4, 2), np.asarray(out_s, np.float32)


def _line_runs(q: np.ndarray, gray: np.ndarray, gap_per_height: float, min_contrast: float):
    """(x0, y0, x1, y1) of the line's box on the page, and its inked stretches (_ink_runs) in that box."""
    h_img, w_img = gray.shape
    x0, y0 = (int(v) for v in np.floor(q.min(0)).clip(0))
    x1, y1 = int(np.ceil(min(q[:, 0].max(), w_img))), int(np.ceil(min(q[:, 1].max(), h_img)))
    height = max(y1 - y0, 1)
    return (x0, y0, x1, y1), _ink_runs(gray[y0:y1, x0:x1], gap_per_height * height, min_contrast)


def _pieces(q: np.ndarray, box, runs: list[tuple[int, int]], cuts) -> list[np.ndarray]:
    """Line q cut before each run whose index is in `cuts`, with a little paper around each piece, as around
    the ends of a line; the pieces follow the line's slanted top and bottom edges."""
    cuts = sorted(cuts)
    if not cuts:
        return [q]
    pad = 0.15 * max(box[3] - box[1], 1)
    lo, hi = float(q[:, 0].min()), float(q[:, 0].max())
    starts, ends = [0] + cuts, [c - 1 for c in cuts] + [len(runs) - 1]
    return [_quad_between(q, lo if k == 0 else max(lo, box[0] + runs[a][0] - pad),
                          hi if k == len(starts) - 1 else min(hi, box[0] + runs[b][1] + pad))
            for k, (a, b) in enumerate(zip(starts, ends))]


def _ink_runs(region: np.ndarray, min_gap: float, min_contrast: float) -> list[tuple[int, int]]:
    """(first, last + 1) columns of the inked stretches of a line's box separated by more than min_gap
    blank columns; one stretch (no cut) when the box is too faint to tell ink from paper."""
    if region.size == 0 or region.shape[1] < 3 * min_gap:
        return []
    ink, paper = percentiles(region, (5, 90))   # one histogram of the box's pixels for both
    if paper - ink < min_contrast:
        return []
    cols = np.nonzero((region < (ink + paper) / 2).any(0))[0]
    if len(cols) == 0:
        return []
    cuts = np.nonzero(np.diff(cols) > min_gap)[0]
    return list(zip(np.r_[cols[0], cols[cuts + 1]].tolist(), (np.r_[cols[cuts], cols[-1]] + 1).tolist()))


def _quad_between(q: np.ndarray, left: float, right: float) -> np.ndarray:
    """The part of quad q (TL, TR, BR, BL) between two x positions, along its top and bottom edges."""
    tl, tr, br, bl = q

    def along(a: np.ndarray, b: np.ndarray, x: float) -> np.ndarray:
        return a if b[0] == a[0] else a + (b - a) * ((x - a[0]) / (b[0] - a[0]))

    return np.stack([along(tl, tr, left), along(tl, tr, right), along(bl, br, right), along(bl, br, left)]).astype(np.float32)


# --- reading order -----------------------------------------------------------------------------------
def reading_order(boxes: np.ndarray, min_column_width: float = 8.0, min_column_lines: int = 2,
                  min_fill: float = 0.35) -> np.ndarray:
    """Indices of axis-aligned line boxes (N, 4) in reading order.

    Recursive XY-cut. A set of lines is split into columns at vertical gaps (x ranges no line touches)
    only when every piece looks like a text column: at least `min_column_lines` lines, at least
    `min_column_width` median line heights wide, and lines filling on average `min_fill` of its width.
    Receipts and tables (a narrow price column beside item names) fail that test and are read row by
    row instead. Otherwise the set is cut at its widest horizontal gap and both parts are ordered on
    their own; a set with no gap is read in rows (lines whose centres are within half a line height),
    each row left to right.
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros(0, np.int64)
    med_h = float(np.median(boxes[:, 3] - boxes[:, 1])) or 1.0
    out: list[int] = []
    stack = [np.arange(len(boxes))]
    while stack:  # explicit stack (depth-first, left/top part first) instead of recursion
        idx = stack.pop()
        parts = _split(boxes, idx, med_h, min_column_width, min_column_lines, min_fill)
        if parts is None:
            out.extend(_rows(boxes, idx).tolist())
        else:
            stack.extend(reversed(parts))
    return np.asarray(out, np.int64)


def _gaps(lo: np.ndarray, hi: np.ndarray, min_gap: float) -> list[tuple[float, float]]:
    """Intervals not covered by any [lo, hi], at least min_gap wide, between the first and last."""
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    reach = np.maximum.accumulate(hi)
    gap = lo[1:] - reach[:-1]
    k = np.nonzero(gap >= min_gap)[0]
    return [(float(reach[i]), float(lo[i + 1])) for i in k]


def _split(boxes, idx, med_h, min_column_width, min_column_lines, min_fill):
    if len(idx) < 2:
        return None
    b = boxes[idx]
    gaps = _gaps(b[:, 0], b[:, 2], 0.5 * med_h)
    if gaps:
        cuts = np.array([(a + c) / 2 for a, c in gaps])
        piece = np.searchsorted(cuts, (b[:, 0] + b[:, 2]) / 2)
        parts = [idx[piece == p] for p in range(len(cuts) + 1)]
        if all(_looks_like_column(boxes[p], min_column_width, min_column_lines, min_fill) for p in parts):
            return parts
    gaps = _gaps(b[:, 1], b[:, 3], 1e-3)
    if gaps:
        widest = max(c - a for a, c in gaps)
        cuts = np.array([(a + c) / 2 for a, c in gaps if c - a >= 0.9 * widest])
        piece = np.searchsorted(cuts, (b[:, 1] + b[:, 3]) / 2)
        return [idx[piece == p] for p in range(len(cuts) + 1)]
    return None


def _looks_like_column(b: np.ndarray, min_column_width: float, min_column_lines: int, min_fill: float) -> bool:
    if len(b) < min_column_lines:
        return False
    h = float(np.median(b[:, 3] - b[:, 1])) or 1.0
    width = float(b[:, 2].max() - b[:, 0].min())
    return width >= min_column_width * h and float(np.mean(b[:, 2] - b[:, 0])) >= min_fill * width


def _rows(boxes: np.ndarray, idx: np.ndarray) -> np.ndarray:
    b = boxes[idx]
    cy = (b[:, 1] + b[:, 3]) / 2
    h = np.maximum(b[:, 3] - b[:, 1], 1.0)
    order = np.argsort(cy, kind="stable")
    row = np.zeros(len(idx), np.int64)
    r, anchor_y, anchor_h = 0, cy[order[0]], h[order[0]]
    for k in order[1:]:
        if cy[k] - anchor_y > 0.5 * min(anchor_h, h[k]):
            r, anchor_y, anchor_h = r + 1, cy[k], h[k]
        row[k] = r
    return idx[np.lexsort((b[:, 0], row))]

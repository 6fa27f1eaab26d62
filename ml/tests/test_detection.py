"""CTPN detector: model shapes, anchor targets, post-processing, reading order and the predictor."""
import numpy as np
import pytest
import torch

from ocr_models.checkpoint import save_checkpoint
from ocr_models.detection.model import (
    CTPN,
    DEFAULT_ANCHOR_HEIGHTS,
    KIND,
    CTPNConfig,
    count_parameters,
    export_onnx,
    normalize_page,
)
from ocr_models.detection.postprocess import (
    PostprocessParams,
    Proposals,
    box_iou,
    build_lines,
    column_nms,
    nms,
    postprocess,
    reading_order,
    split_at_blank_gaps,
    split_at_gutters,
)
from ocr_models.detection.targets import assign_targets, boxes_to_quads, ctpn_loss, split_into_columns
from ocr_models.loader import load_detector

TINY = CTPNConfig(channels=(8, 8, 16, 16), stage_depths=(1, 1, 1, 1), top_dilations=(1,), rnn_hidden=8, fc=16)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_default_model_size_and_output_shapes():
    model = CTPN(CTPNConfig())
    assert 0.5e6 <= count_parameters(model) <= 3e6
    scores, regression = model.eval()(torch.zeros(2, 1, 64, 96))
    assert scores.shape == (2, 4, 6, 10, 2)
    assert regression.shape == (2, 4, 6, 10, 3)
    # An untrained model starts out predicting "no text" everywhere.
    assert torch.softmax(scores, -1)[..., 1].max() < 0.05


def test_config_round_trips():
    cfg = CTPNConfig(side_refinement=False)
    assert CTPNConfig.from_dict(cfg.to_dict()) == cfg
    _, regression = CTPN(cfg).eval()(torch.zeros(1, 1, 32, 32))
    assert regression.shape[-1] == 2


def test_onnx_export_has_dynamic_height_and_width(tmp_path):
    import onnxruntime as ort

    model = CTPN(TINY).eval()
    path = export_onnx(model, tmp_path / "det.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = torch.randn(1, 1, 80, 144)
    scores, regression = sess.run(None, {"images": x.numpy()})
    with torch.inference_mode():
        ref_s, ref_r = model(x)
    assert scores.shape == (1, 5, 9, 10, 2)
    np.testing.assert_allclose(scores, ref_s.numpy(), atol=1e-4)
    np.testing.assert_allclose(regression, ref_r.numpy(), atol=1e-4)


# --- targets --------------------------------------------------------------------------------------
def test_box_is_split_into_stride_columns_with_partial_columns_ignored():
    line, col, top, bot, valid = split_into_columns(boxes_to_quads(np.array([[44, 40, 100, 60]])), 128)
    assert col.tolist() == [2, 3, 4, 5, 6]
    assert valid.tolist() == [False, True, True, True, False]  # 4 px and 4 px of the end columns
    assert np.allclose(top, 40) and np.allclose(bot, 60)


def test_anchor_targets_on_a_hand_made_box():
    t = assign_targets(np.array([[32, 40, 96, 60]], np.float32), (128, 128), DEFAULT_ANCHOR_HEIGHTS)
    assert t.labels.shape == (8, 8, 10) and t.regression.shape == (8, 8, 10, 3)
    pos_r, pos_c, pos_a = np.nonzero(t.labels == 1)
    assert set(pos_c.tolist()) == {2, 3, 4, 5}             # every covered column, nothing else
    assert (t.labels[:, [0, 1, 6, 7]] == 0).all()          # far columns are background
    # Decoding the regression targets gives the box's vertical extent back.
    ah = np.array(DEFAULT_ANCHOR_HEIGHTS, np.float32)[pos_a]
    cy = pos_r * 16 + 8 + t.regression[pos_r, pos_c, pos_a, 0] * ah
    h = ah * np.exp(t.regression[pos_r, pos_c, pos_a, 1])
    assert np.allclose(cy, 50, atol=1e-3) and np.allclose(h, 20, atol=1e-3)
    # Side refinement targets point at the line ends from the end columns.
    side = np.nonzero(t.side_mask)
    x = side[1] * 16 + 8 + t.regression[side + (np.full(len(side[0]), 2),)] * 16
    assert set(np.round(x).astype(int).tolist()) <= {32, 96} and len(x) > 0


def test_dense_small_lines_each_get_a_positive_anchor():
    # Three 9-px lines 12 px apart share the cells of one anchor row.
    boxes = np.array([[0, 100, 64, 109], [0, 112, 64, 121], [0, 124, 64, 133]], np.float32)
    t = assign_targets(boxes, (256, 64), DEFAULT_ANCHOR_HEIGHTS)
    for col in range(4):
        r, a = np.nonzero(t.labels[:, col] == 1)
        ah = np.array(DEFAULT_ANCHOR_HEIGHTS)[a]
        cy = r * 16 + 8 + t.regression[r, col, a, 0] * ah
        assert set(np.round(cy, 1).tolist()) == {104.5, 116.5, 128.5}


def test_ignore_regions_are_neither_text_nor_background():
    t = assign_targets(np.zeros((0, 4)), (64, 64), DEFAULT_ANCHOR_HEIGHTS, ignore_quads=boxes_to_quads(np.array([[0, 20, 64, 40]])))
    assert (t.labels == 1).sum() == 0 and (t.labels == -1).sum() > 0


def test_loss_is_finite_and_backpropagates():
    model = CTPN(TINY)
    scores, regression = model(torch.zeros(2, 1, 64, 64))
    t = assign_targets(np.array([[10, 20, 50, 36]], np.float32), (64, 64), DEFAULT_ANCHOR_HEIGHTS)
    lab = torch.from_numpy(np.stack([t.labels, t.labels])).long()
    reg = torch.from_numpy(np.stack([t.regression, t.regression]))
    side = torch.from_numpy(np.stack([t.side_mask, t.side_mask]))
    out = ctpn_loss(scores, regression, lab, reg, side)
    assert torch.isfinite(out["loss"]) and out["loss"] > 0
    out["loss"].backward()
    # No text at all: still a loss (background only), no NaN.
    empty = ctpn_loss(scores.detach(), regression.detach(), torch.zeros_like(lab), reg, torch.zeros_like(side))
    assert torch.isfinite(empty["loss"])


def test_perfect_outputs_decode_back_to_the_ground_truth():
    boxes = np.array([[20, 30, 300, 52], [20, 70, 180, 84], [260, 70, 400, 84], [30, 150, 90, 230]], np.float32)
    t = assign_targets(boxes, (256, 448), DEFAULT_ANCHOR_HEIGHTS)
    scores = np.zeros(t.labels.shape + (2,), np.float32)
    scores[..., 1] = np.where(t.labels == 1, 8.0, -8.0)
    quads, line_scores = postprocess(scores, t.regression, DEFAULT_ANCHOR_HEIGHTS)
    pred = np.concatenate([quads.min(1), quads.max(1)], 1)
    iou = box_iou(boxes, pred)
    assert len(pred) == 4 and (iou.max(1) > 0.8).all(), iou


# --- post-processing ------------------------------------------------------------------------------
def _proposals(rows):
    """rows: list of (first column, last column, top, bottom, score)."""
    boxes, scores = [], []
    for c0, c1, top, bot, s in rows:
        for c in range(c0, c1 + 1):
            boxes.append([c * 16, top, c * 16 + 16, bot])
            scores.append(s)
    b = np.array(boxes, np.float32)
    return Proposals(b, np.array(scores, np.float32), np.full(len(b), np.nan, np.float32))


def test_adjacent_proposals_form_one_line():
    quads, scores = build_lines(_proposals([(2, 12, 100, 120, 0.95)]))
    assert len(quads) == 1
    assert np.allclose(quads[0], [[32, 100], [208, 100], [208, 120], [32, 120]])
    assert scores[0] == pytest.approx(0.95)


def test_separated_rows_and_columns_form_separate_lines():
    quads, _ = build_lines(_proposals([(2, 8, 100, 120, 0.9), (2, 8, 140, 160, 0.9), (20, 26, 100, 120, 0.9)]))
    assert len(quads) == 3
    # A small hole (one missed column) inside a line of 40-px text is bridged; in 24-px text it is a
    # space wider than the text height (gap_per_height), and the pieces stay apart.
    quads, _ = build_lines(_proposals([(2, 8, 100, 140, 0.9), (10, 15, 100, 140, 0.9)]))
    assert len(quads) == 1
    quads, _ = build_lines(_proposals([(2, 8, 100, 124, 0.9), (10, 15, 100, 124, 0.9)]))
    assert len(quads) == 2


def test_lines_of_different_height_are_not_linked():
    quads, _ = build_lines(_proposals([(2, 6, 100, 120, 0.9), (7, 12, 95, 135, 0.9)]))
    assert len(quads) == 2


def test_tilted_line_gives_a_tilted_quad():
    boxes = np.array([[c * 16, 100 + 2 * c, c * 16 + 16, 120 + 2 * c] for c in range(10)], np.float32)
    quads, _ = build_lines(Proposals(boxes, np.full(10, 0.9, np.float32), np.full(10, np.nan, np.float32)))
    assert len(quads) == 1
    (tl, tr, br, bl) = quads[0]
    assert tr[1] - tl[1] == pytest.approx(20, abs=0.5)   # slope 2 px per 16-px column over 160 px
    assert br[1] - tr[1] == pytest.approx(20, abs=0.5)


def _quads(boxes):
    b = np.asarray(boxes, np.float32)
    return np.stack([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], 1)


def _page_with_ink(width: int, height: int, spans: list[tuple[int, int]], top=100, bottom=120, ink=30):
    """A white page with black bars (glyphs) between top and bottom at the given x spans."""
    page = np.full((height, width), 245, np.uint8)
    for x0, x1 in spans:
        page[top:bottom, x0:x1] = ink
    return page


def test_a_line_is_cut_at_a_blank_space_wider_than_the_limit():
    # "TOTAL      12.15": ink at 20-120 and 300-380 on a 20-px line; the model gave one line over both.
    page = _page_with_ink(500, 200, [(20, 60), (66, 120), (300, 340), (346, 380)])
    quads, scores = split_at_blank_gaps(_quads([[18, 98, 382, 122]]), np.array([0.8], np.float32), page)
    boxes = np.concatenate([quads.min(1), quads.max(1)], 1)
    assert len(boxes) == 2 and scores.tolist() == [pytest.approx(0.8)] * 2
    assert boxes[0, 0] == 18 and 120 <= boxes[0, 2] < 300 and 120 < boxes[1, 0] <= 300 and boxes[1, 2] == 382


def test_word_spaces_faint_boxes_and_short_lines_are_not_cut():
    words = _page_with_ink(500, 200, [(20, 60), (72, 120), (150, 200), (212, 380)])   # spaces under 1.5 heights
    assert len(split_at_blank_gaps(_quads([[18, 98, 382, 122]]), np.array([0.8], np.float32), words)[0]) == 1
    faint = _page_with_ink(500, 200, [(20, 120), (300, 380)], ink=235)            # ink and paper hardly differ
    assert len(split_at_blank_gaps(_quads([[18, 98, 382, 122]]), np.array([0.8], np.float32), faint)[0]) == 1
    assert len(split_at_blank_gaps(_quads([[18, 98, 382, 122]]), np.array([0.8], np.float32), faint,
                                   PostprocessParams(split_min_contrast=0))[0]) == 2


def _two_columns(spanning_rows=(3, 6)):
    """Ten rows of two justified columns whose gutter is about one line height wide (22 px for 22-px boxes):
    narrower than split_at_blank_gaps' cut. In `spanning_rows` the model linked both columns into one line."""
    page = np.full((500, 640), 245, np.uint8)
    boxes = []
    for row in range(10):
        y = 100 + 30 * row
        for x0, x1 in [(20, 80), (88, 150), (158, 220), (228, 300), (322, 390), (398, 460), (468, 530), (538, 600)]:
            page[y:y + 20, x0:x1] = 30                                  # words 8 px apart
        boxes += [[18, y - 1, 602, y + 21]] if row in spanning_rows else [[18, y - 1, 302, y + 21], [320, y - 1, 602, y + 21]]
    return page, _quads(boxes)


def test_a_line_across_a_narrow_column_gutter_is_cut_there_and_read_in_its_column():
    page, quads = _two_columns()
    same = split_at_blank_gaps(quads, np.full(len(quads), 0.9, np.float32), page)[0]
    assert len(same) == len(quads)                      # the gutter is narrower than a blank-gap cut
    cut, scores = split_at_gutters(quads, np.full(len(quads), 0.9, np.float32), page)
    assert len(cut) == 20 and scores.tolist() == [pytest.approx(0.9)] * 20
    boxes = np.concatenate([cut.min(1), cut.max(1)], 1)
    assert ((boxes[:, 2] <= 322) | (boxes[:, 0] >= 300)).all()  # no line crosses the gutter
    order = reading_order(boxes)
    left = boxes[order][:, 0] < 310
    assert left[:10].all() and not left[10:].any()      # the left column, then the right


def test_word_spaces_and_price_columns_are_no_gutter():
    page, quads = _two_columns(spanning_rows=range(10))   # every row one line: no row shows the columns apart
    assert len(split_at_gutters(quads, np.full(len(quads), 0.9, np.float32), page)[0]) == 10
    # A receipt: item names, and prices one line height to their right (narrow, so no text column).
    receipt = np.full((500, 640), 245, np.uint8)
    boxes = []
    for row in range(8):
        y = 100 + 30 * row
        receipt[y:y + 20, 20:250] = 30
        receipt[y:y + 20, 272:330] = 30
        boxes += [[18, y - 1, 332, y + 21]] if row == 4 else [[18, y - 1, 252, y + 21], [270, y - 1, 332, y + 21]]
    assert len(split_at_gutters(_quads(boxes), np.full(len(boxes), 0.9, np.float32), receipt)[0]) == len(boxes)


def test_pieces_of_a_slanted_line_follow_its_edges():
    page = _page_with_ink(500, 200, [(20, 120), (300, 380)], top=95, bottom=130)
    slanted = np.array([[[18, 95], [382, 105], [382, 130], [18, 120]]], np.float32)   # drops 10 px over its width
    quads, _ = split_at_blank_gaps(slanted, np.array([0.9], np.float32), page)
    assert len(quads) == 2
    right = quads[1]
    x = right[0, 0]
    assert right[0, 1] == pytest.approx(95 + 10 * (x - 18) / 364, abs=0.01)   # on the line's top edge
    assert right[1].tolist() == pytest.approx([382, 105])


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 16, 20], [0, 1, 16, 21], [0, 40, 16, 60], [16, 0, 32, 20]], np.float32)
    scores = np.array([0.8, 0.9, 0.7, 0.6], np.float32)
    assert nms(boxes, scores, 0.3).tolist() == [1, 2, 3]
    kept = column_nms(Proposals(boxes, scores, np.full(4, np.nan, np.float32)), 0.3)
    assert sorted(map(tuple, kept.boxes.tolist())) == sorted(map(tuple, boxes[[1, 2, 3]].tolist()))
    assert len(column_nms(Proposals(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.float32)), 0.3)) == 0


def test_column_nms_keeps_what_plain_nms_keeps_on_crowded_columns():
    # Up to 60 proposals a column, as on a dense page: the rank-by-rank loop must keep exactly plain greedy NMS's set.
    rng = np.random.default_rng(7)
    cols = rng.integers(0, 12, 400)
    top = rng.uniform(0, 300, 400).astype(np.float32)
    boxes = np.stack([cols * 16, top, cols * 16 + 16, top + rng.uniform(6, 40, 400)], 1).astype(np.float32)
    scores = rng.random(400).astype(np.float32)
    for threshold in (0.1, 0.3, 0.7):
        kept = column_nms(Proposals(boxes, scores, np.full(400, np.nan, np.float32)), threshold)
        expected = nms(boxes, scores, threshold)
        assert 12 < len(expected) < 400
        assert kept.boxes.tolist() == boxes[expected].tolist()


def test_normalize_page_in_place_gives_the_same_floats():
    gray = np.random.default_rng(3).integers(0, 256, (37, 53), dtype=np.uint8)
    copy = normalize_page(gray)
    assert copy.dtype == np.float32 and copy.min() >= -1.0 and copy.max() <= 1.0
    assert np.array_equal(copy, gray.astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0))
    buffer = gray.astype(np.float32)
    assert normalize_page(buffer, out=buffer) is buffer
    assert np.array_equal(buffer, copy)


def test_reading_order_respects_columns():
    left = [[20, 100 + 30 * i, 300, 120 + 30 * i] for i in range(5)]
    right = [[340, 100 + 30 * i, 620, 120 + 30 * i] for i in range(5)]
    title = [[20, 40, 620, 70]]
    boxes = np.array(right + title + left, np.float32)   # shuffled input
    order = reading_order(boxes)
    assert order.tolist() == [5] + [6, 7, 8, 9, 10] + [0, 1, 2, 3, 4]


def test_reading_order_reads_receipt_rows_left_to_right():
    rows = []
    for i in range(6):
        y = 50 + 30 * i
        rows += [[20, y, 160, y + 20], [400, y + 1, 460, y + 21]]   # item name, price
    order = reading_order(np.array(rows[::-1], np.float32))
    assert order.tolist() == list(range(11, -1, -1))
    assert reading_order(np.zeros((0, 4))).tolist() == []


# --- predictor ------------------------------------------------------------------------------------
@pytest.fixture()
def tiny_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = CTPN(TINY)
    path = tmp_path / "detector.pt"
    save_checkpoint(path, kind=KIND, config=TINY.to_dict(), model_state=model.state_dict())
    return path


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (5, 7), (200, 300), (40, 3000), (3000, 24), (50, 60, 3), (50, 60, 4)])
def test_predictor_survives_degenerate_images(tiny_checkpoint, shape):
    det = load_detector(tiny_checkpoint, runtime="torch", max_side=640)
    for fill in (255, 0):
        res = det.detect(np.full(shape, fill, np.uint8))
        assert res.lines == [] and res.width == shape[1] and res.height == shape[0]
    assert det.detect(np.full(shape, 255, np.uint8)).scale <= 1.0


def test_predictor_scales_and_clamps(tiny_checkpoint):
    det = load_detector(tiny_checkpoint, runtime="torch", max_side=256)
    with torch.no_grad():  # make the model see text everywhere
        det.run.model.cls.bias.view(-1, 2)[:, 1] = 20.0
        det.run.model.cls.bias.view(-1, 2)[:, 0] = -20.0
    img = (np.random.default_rng(0).random((300, 700)) * 255).astype(np.uint8)
    res = det.detect(img)
    assert res.scale == pytest.approx(256 / 700) and res.downscaled
    assert res.lines
    for line in res.lines:
        pts = np.array(line.points)
        assert pts.shape == (4, 2)
        assert (pts[:, 0] >= 0).all() and (pts[:, 0] <= 700).all() and (pts[:, 1] >= 0).all() and (pts[:, 1] <= 300).all()
        assert 0 <= line.score <= 1


def test_onnx_runtime_predictor_matches_torch(tiny_checkpoint):
    det = load_detector(tiny_checkpoint, runtime="torch")
    export_onnx(det.run.model, tiny_checkpoint.with_suffix(".onnx"))
    onnx_det = load_detector(tiny_checkpoint, runtime="onnx")
    assert onnx_det.config == det.config   # from the ONNX metadata
    img = (np.random.default_rng(1).random((100, 150)) * 255).astype(np.uint8)
    x, _, _ = det.prepare(img)
    a, b = det._outputs(x), onnx_det._outputs(x)
    np.testing.assert_allclose(a[0], b[0], atol=1e-4)
    with pytest.raises(ValueError):
        load_detector(tiny_checkpoint, runtime="tensorrt")


def test_postprocess_params_are_configurable():
    p = PostprocessParams(score_threshold=0.5)
    assert p.score_threshold == 0.5 and p.nms_iou == 0.3


def test_targets_and_lines_for_edge_cases():
    # Text far smaller than the smallest anchor: no anchor reaches IoU 0.5, the best one is still positive.
    t = assign_targets(np.array([[5, 5, 60, 8]], np.float32), (64, 64), DEFAULT_ANCHOR_HEIGHTS)
    assert (t.labels == 1).sum() >= 3
    # A single proposal, and proposals that link to nothing.
    assert len(build_lines(_proposals([(3, 3, 10, 30, 0.9)]))[0]) == 1
    assert len(build_lines(_proposals([(3, 3, 10, 30, 0.9), (9, 9, 100, 130, 0.9)]))[0]) == 2


def _large_page() -> np.ndarray:
    import cv2

    page = np.full((2600, 1900), 255, np.uint8)
    for i, text in enumerate(["Invoice 2041", "Total due 12.50 EUR", "Thank you for your visit"]):
        cv2.putText(page, text, (120, 300 + 260 * i), cv2.FONT_HERSHEY_SIMPLEX, 3.0, 0, 6)
    return page


def test_a_reduced_copy_with_its_page_size_gives_the_pages_own_lines():
    """What the gateway sends the detection service: the detector's reduced copy and the page's size, for the same
    lines, to the decimal, as the whole page would give."""
    det = load_detector()
    page = _large_page()
    small = det.reduced(page)
    assert small.shape == (1600, 1169)
    whole, reduced = det.detect(page), det.detect(small, page_size=(1900, 2600))
    assert len(whole.lines) >= 3
    assert [(ln.points, ln.score) for ln in reduced.lines] == [(ln.points, ln.score) for ln in whole.lines]
    assert (reduced.width, reduced.height, reduced.scale) == (whole.width, whole.height, whole.scale)
    with pytest.raises(ValueError, match="read at"):
        det.detect(small[:, :-1], page_size=(1900, 2600))

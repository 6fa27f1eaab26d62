"""Real training pages for the detector (`--data`): batches shaped like the synthetic ones with valid
targets, crops that carry the boxes onto the ink, and a run that learns a batch of real pages."""
import argparse
import json
import random

import cv2
import numpy as np
import pytest

from ocr_models.checkpoint import load_checkpoint
from ocr_models.data.real_pages import RealPageBatches, crop_page, load_real_pages
from ocr_models.data.render_page import SyntheticPageBatches
from ocr_models.detection.model import CTPNConfig
from ocr_models.training.train_detector import add_arguments, train

HEIGHTS = CTPNConfig().anchor_heights
# Ink rectangles (x0, y0, x1, y1) standing for text lines, of several heights and lengths.
INK = [(40, 30, 420, 52), (60, 90, 200, 104), (300, 90, 380, 104), (40, 150, 560, 190), (100, 260, 160, 272),
       (40, 330, 500, 350), (420, 420, 580, 436), (40, 500, 300, 530)]


def _manifest(tmp_path, ink=INK, ignore=()):
    """A 600x560 white page with a black bar per line, each boxed exactly, as an evaldata manifest row."""
    page = np.full((560, 600), 235, np.uint8)
    boxes = []
    for x0, y0, x1, y1 in ink:
        page[y0:y1, x0:x1] = 20
        boxes.append({"points": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "text": "x"})
    for x0, y0, x1, y1 in ignore:
        page[y0:y1, x0:x1] = 120
        boxes.append({"points": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "text": "###", "ignore": True})
    cv2.imwrite(str(tmp_path / "page.png"), page)
    manifest = tmp_path / "manifest.jsonl"
    rows = [{"image": "page.png", "boxes": boxes}, {"image": "page.png", "text": "only text, no boxes"}]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return manifest


def test_batches_have_the_synthetic_format_and_valid_targets(tmp_path):
    sizes = ((192, 160),)
    real = next(iter(RealPageBatches([_manifest(tmp_path)], 3, seed=1, anchor_heights=HEIGHTS, sizes=sizes)))
    assert set(real) == {"images", "labels", "regression", "side_mask", "boxes"}
    assert real["images"].shape == (3, 1, 160, 192) and real["images"].dtype.is_floating_point
    assert -1.0 <= float(real["images"].min()) and float(real["images"].max()) <= 1.0
    assert real["labels"].shape == (3, 10, 12, len(HEIGHTS)) and real["regression"].shape == (3, 10, 12, len(HEIGHTS), 3)
    assert real["side_mask"].shape == real["labels"].shape
    assert set(real["labels"].unique().tolist()) <= {-1, 0, 1}
    assert int((real["labels"] == 1).sum()) > 0          # the crops are mostly around lines
    assert not bool(real["side_mask"][real["labels"] != 1].any())


def test_same_shapes_as_a_synthetic_batch(tmp_path):
    from ocr_models.data.fonts import discover_fonts, split_fonts
    from ocr_models.recognition.vocab import DEFAULT_CHARSET

    fonts = split_fonts(discover_fonts(DEFAULT_CHARSET))[0]
    if not fonts:
        pytest.skip("no fonts")
    sizes = ((192, 160),)
    synth = next(iter(SyntheticPageBatches(fonts[:3], 2, seed=1, anchor_heights=HEIGHTS, sizes=sizes)))
    real = next(iter(RealPageBatches([_manifest(tmp_path)], 2, seed=1, anchor_heights=HEIGHTS, sizes=sizes)))
    assert set(real) == set(synth)
    for key in ("images", "labels", "regression", "side_mask"):
        assert real[key].shape == synth[key].shape and real[key].dtype == synth[key].dtype, key


def test_pages_are_stored_at_the_scale_training_needs(tmp_path):
    big = np.full((4000, 1000), 235, np.uint8)
    cv2.imwrite(str(tmp_path / "big.png"), big)
    (tmp_path / "m.jsonl").write_text(json.dumps({"image": "big.png", "boxes": [
        {"points": [[100, 2000], [900, 2000], [900, 2040], [100, 2040]], "text": "x"}]}) + "\n")
    page = load_real_pages([tmp_path / "m.jsonl"], max_side=1600, max_scale=1.2)[0]
    assert page.image.shape == (1920, 480)                   # 1600 * 1.2 on the long side
    assert np.allclose(page.quads[0, 0], [48, 960]) and page.base == pytest.approx(1600 / 1920)


def test_crops_carry_the_boxes_onto_the_ink(tmp_path):
    pages = load_real_pages([_manifest(tmp_path, ignore=[(250, 200, 400, 220)])])
    assert len(pages) == 1 and len(pages[0].quads) == len(INK) and len(pages[0].ignore) == 1
    rng = random.Random(7)
    kept = ignored = 0
    for _ in range(40):
        s = crop_page(pages[0], rng, 256, 192, scale_range=(0.5, 1.5), augment=False)
        dark = s.image < 128
        assert s.image.shape == (192, 256)
        for x0, y0, x1, y1 in s.boxes:
            # Inside the box: ink; a pixel outside it on every side: paper (or the border).
            a, b, c, d = int(np.ceil(x0 + 1)), int(np.ceil(y0 + 1)), int(np.floor(x1 - 1)), int(np.floor(y1 - 1))
            if c > a and d > b:
                assert dark[b:d, a:c].mean() > 0.95
            ring = [dark[max(0, int(y0) - 2), a:c], dark[min(191, int(np.ceil(y1)) + 1), a:c],
                    dark[b:d, max(0, int(x0) - 2)], dark[b:d, min(255, int(np.ceil(x1)) + 1)]]
            for side, edge_in_image in zip(ring, (y0 > 2, y1 < 189, x0 > 2, x1 < 253)):
                if edge_in_image and side.size:
                    assert side.mean() < 0.05
            kept += 1
        # Quads agree with the boxes where the box is not clipped by the border.
        assert len(s.quads) == len(s.boxes)
        ignored += len(s.ignore)
    assert kept > 40 and ignored > 0


def test_lines_cut_by_the_crop_are_ignored_and_ignore_boxes_stay_ignored(tmp_path):
    pages = load_real_pages([_manifest(tmp_path, ink=[(20, 40, 500, 100)], ignore=[(20, 200, 500, 240)])])
    page = pages[0]
    page.base = 1.0
    rng = random.Random(0)
    seen_cut = seen_ign = False
    for _ in range(200):
        s = crop_page(page, rng, 544, 256, scale_range=(1.0, 1.0), augment=False)
        for q in s.ignore:
            y0, y1 = q[:, 1].min(), q[:, 1].max()
            if abs((y1 - y0) - 40) < 1e-3:
                seen_ign = True                                    # the ignore box, carried along
            else:
                seen_cut = True                                    # the line, cut to under 70 % of its height
                assert max(0, min(y1, 256) - max(y0, 0)) < 0.7 * (y1 - y0)
        for _, y0, _, y1 in s.boxes:
            assert (y1 - y0) >= 0.7 * 60 - 1e-3
    assert seen_cut and seen_ign


def test_training_refuses_evaluation_data(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    ev = tmp_path / "evaldata" / "dev" / "manifest.jsonl"
    with pytest.raises(SystemExit, match="evaluation data"):
        train(p.parse_args(["--out", str(tmp_path / "run"), "--data", str(ev)]))
    other = tmp_path / "m.jsonl"
    with pytest.raises(SystemExit, match="evaluation data"):
        train(p.parse_args(["--out", str(tmp_path / "run"), "--data", str(other), "--eval-manifest", str(other)]))


def test_training_learns_one_real_batch(tmp_path, capsys):
    manifest = _manifest(tmp_path)
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path / "run"), "--steps", "50", "--batch-size", "2", "--workers", "0",
                         "--sizes", "192x160", "--channels", "8,16,16,32", "--depths", "1,1,1,1", "--dilations", "1,2",
                         "--rnn-hidden", "16", "--fc", "32", "--eval-every", "50", "--val-pages", "0",
                         "--overfit-batch", "--lr", "1e-2", "--warmup", "5", "--data", str(manifest)])
    train(args)
    ckpt = load_checkpoint(tmp_path / "run" / "last.pt", "detector")
    losses = [h["loss"] for h in ckpt["history"] if "loss" in h]
    assert len(losses) == 50
    assert min(losses[-5:]) < 0.4 * losses[0], losses
    assert "1 real pages from" in capsys.readouterr().out


@pytest.mark.timeout(120)
def test_a_worker_serves_real_pages_after_the_evaluation_pages_are_loaded(tmp_path):
    """The real pages' worker is spawned: a forked one hung on its first OpenCV call once the trainer had
    downscaled the evaluation pages with OpenCV's thread pool."""
    manifest = _manifest(tmp_path)
    ev = tmp_path / "dev"
    ev.mkdir()
    big = np.full((3200, 1200), 235, np.uint8)
    big[1000:1040, 100:1000] = 20
    cv2.imwrite(str(ev / "big.png"), big)
    (ev / "pages.jsonl").write_text(json.dumps({"image": "big.png", "subset": "receipt", "boxes": [
        {"points": [[100, 1000], [1000, 1000], [1000, 1040], [100, 1040]], "text": "x"}]}) + "\n")
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path / "run"), "--steps", "4", "--batch-size", "1", "--workers", "1",
                         "--sizes", "128x128", "--channels", "8,8,8,8", "--depths", "1,1,1,1", "--dilations", "1",
                         "--rnn-hidden", "8", "--fc", "16", "--eval-every", "4", "--val-pages", "0",
                         "--eval-manifest", str(ev / "pages.jsonl"), "--data", str(manifest)])
    train(args)
    assert load_checkpoint(tmp_path / "run" / "last.pt")["step"] == 4

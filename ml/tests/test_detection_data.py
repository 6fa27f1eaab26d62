"""Synthetic pages for the detector: boxes lie inside the image around visible ink; batches carry targets."""
import random

import numpy as np
import pytest
import torch

from ocr_models.data.fonts import discover_fonts, split_fonts
from ocr_models.data.render_page import SyntheticPageBatches, render_page, synthesize_page
from ocr_models.detection.model import DEFAULT_ANCHOR_HEIGHTS
from ocr_models.recognition.vocab import DEFAULT_CHARSET


@pytest.fixture(scope="module")
def fonts():
    train, _ = split_fonts(discover_fonts(DEFAULT_CHARSET))
    assert train, "install the font packages (make install as root)"
    return train


def test_pages_have_boxes_inside_the_image_around_ink(fonts):
    torch.set_num_threads(1)
    rng = random.Random(3)
    n_boxes = 0
    for _ in range(25):
        image, boxes = render_page(rng, fonts, 384, 320)
        assert image.shape == (320, 384) and image.dtype == np.uint8
        assert boxes.dtype == np.float32 and boxes.shape[1:] == (4,)
        assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all()
        assert (boxes[:, 2] <= 384).all() and (boxes[:, 3] <= 320).all()
        assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
        for x0, y0, x1, y1 in boxes.astype(int):
            region = image[y0: max(y1, y0 + 1), x0: max(x1, x0 + 1)]
            assert int(region.max()) - int(region.min()) >= 20, "a box without visible ink"
        n_boxes += len(boxes)
    assert n_boxes > 100


def test_page_quads_follow_the_boxes_and_pages_vary(fonts):
    rng = random.Random(11)
    pages = [synthesize_page(rng, fonts, 256, 256) for _ in range(12)]
    for p in pages:
        assert len(p.quads) == len(p.boxes) and p.quads.shape[1:] == (4, 2)
        if len(p.boxes):
            qb = np.concatenate([p.quads.min(1), p.quads.max(1)], 1)
            # The tight ink box lies within the (unclipped) ink rectangle's bbox, up to a pixel.
            assert (p.boxes[:, :2] >= np.floor(qb[:, :2]) - 1.5).all() and (p.boxes[:, 2:] <= np.ceil(qb[:, 2:]) + 1.5).all()
    assert len({int(p.image.mean()) for p in pages}) > 5
    heights = np.concatenate([p.boxes[:, 3] - p.boxes[:, 1] for p in pages])
    assert heights.min() < 14 and heights.max() > 30   # small and large text


def test_pages_are_reproducible(fonts):
    a = synthesize_page(random.Random(5), fonts, 256, 256)
    b = synthesize_page(random.Random(5), fonts, 256, 256)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.boxes, b.boxes)


def test_batches_carry_images_and_targets(fonts):
    stream = SyntheticPageBatches(fonts, batch_size=2, seed=1, anchor_heights=DEFAULT_ANCHOR_HEIGHTS, sizes=((192, 128),))
    batch = next(iter(stream))
    assert batch["images"].shape == (2, 1, 128, 192) and batch["images"].dtype == torch.float32
    assert -1.0 <= float(batch["images"].min()) and float(batch["images"].max()) <= 1.0
    assert batch["labels"].shape == (2, 8, 12, 10)
    assert batch["regression"].shape == (2, 8, 12, 10, 3) and batch["side_mask"].shape == (2, 8, 12, 10)
    assert len(batch["boxes"]) == 2

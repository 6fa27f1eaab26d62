"""Percentiles of grey images from their histogram (ocr_models.pixels) against numpy's."""
import numpy as np
import pytest

from ocr_models.pixels import percentiles


@pytest.mark.parametrize("shape", [(1, 1), (32, 17), (32, 400), (57, 1300)])
def test_percentiles_equal_numpys_to_the_last_bit(shape):
    rng = np.random.default_rng(shape[1])
    for image in (rng.integers(0, 256, shape, dtype=np.uint8),                          # every level
                  np.where(rng.random(shape) < 0.1, 30, 220).astype(np.uint8),          # two levels: ink and paper
                  np.full(shape, 7, np.uint8)):
        qs = (2, 5, 50, 90, 98)
        assert percentiles(image, qs) == [float(v) for v in np.percentile(image, qs)]
        assert percentiles(image, qs) == [float(v) for v in np.percentile(image.astype(np.float32), qs)]


def test_other_dtypes_fall_back_to_numpy():
    image = np.linspace(0, 1, 300, dtype=np.float32).reshape(10, 30)
    assert percentiles(image, (5, 90)) == [float(v) for v in np.percentile(image, (5, 90))]

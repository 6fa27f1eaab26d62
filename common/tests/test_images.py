"""Safe decoding: every mode and EXIF orientation decodes as the plain whole-image conversion would, a reduced
decode keeps the long side at least the size asked for, and the header limits hold."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from ocr_common.errors import ApiError
from ocr_common.images import ImageLimits, decode_image


def _reference_bgr(data: bytes) -> np.ndarray:
    """The straightforward conversion (several full-size copies), as the lean decoder must match it."""
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = ((arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)).astype(np.uint8)
        return np.repeat(arr[:, :, None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        img = Image.alpha_composite(Image.new("RGBA", img.size, (255, 255, 255, 255)), img.convert("RGBA"))
    return np.asarray(img.convert("RGB"))[:, :, ::-1]


def _pattern(w: int, h: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 7) % 256, (y * 5) % 256, (x + y) % 256], axis=2).astype(np.uint8)


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _images():
    rgb = Image.fromarray(_pattern(301, 157))
    grey = rgb.convert("L")
    yield "rgb-png", _encode(rgb, "PNG")
    yield "grey-png", _encode(grey, "PNG")
    yield "1-png", _encode(grey.convert("1"), "PNG")
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray((_pattern(301, 157)[:, :, 0] // 2).astype(np.uint8)))
    yield "rgba-png", _encode(rgba, "PNG")
    yield "la-png", _encode(rgba.convert("LA"), "PNG")
    p = rgb.convert("P")
    yield "p-png", _encode(p, "PNG")
    yield "p-transparent-gif", _encode(p, "GIF", transparency=3)
    yield "cmyk-tiff", _encode(rgb.convert("CMYK"), "TIFF")
    wide = (np.arange(301 * 157, dtype=np.int64).reshape(157, 301) * 37) % 70_000
    yield "i16-png", _encode(Image.fromarray((wide % 65_536).astype(np.uint16)), "PNG")
    yield "i32-tiff", _encode(Image.fromarray(wide.astype(np.int32)), "TIFF")
    yield "f32-tiff", _encode(Image.fromarray(wide.astype(np.float32) / 3), "TIFF")
    yield "jpeg", _encode(rgb, "JPEG", quality=90)
    yield "webp", _encode(rgb, "WEBP", lossless=True)
    yield "bmp", _encode(rgb, "BMP")


@pytest.mark.parametrize(("name", "data"), list(_images()), ids=[n for n, _ in _images()])
def test_every_mode_decodes_as_the_whole_image_conversion(name, data):
    decoded = decode_image(data)
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.flags.c_contiguous
    np.testing.assert_array_equal(decoded.pixels, _reference_bgr(data))
    assert decoded.reduction == 1 and decoded.original_size == (decoded.width, decoded.height)


@pytest.mark.parametrize(("name", "data"), [(n, d) for n, d in _images() if n != "jpeg"],
                         ids=[n for n, _ in _images() if n != "jpeg"])
def test_a_grey_decode_is_opencvs_grey_of_the_colour_decode(name, data):
    grey = decode_image(data, grey=True).pixels
    assert grey.ndim == 2 and grey.dtype == np.uint8 and grey.flags.c_contiguous
    np.testing.assert_array_equal(grey, cv2.cvtColor(_reference_bgr(data), cv2.COLOR_BGR2GRAY))


def test_a_grey_jpeg_is_decoded_as_its_luma():
    """libjpeg gives the luma channel alone: within rounding of the colour decode's grey, never a full-colour copy."""
    data = _encode(Image.fromarray(_pattern(301, 157)), "JPEG", quality=90)
    grey = decode_image(data, grey=True).pixels.astype(int)
    colour = cv2.cvtColor(decode_image(data).pixels, cv2.COLOR_BGR2GRAY).astype(int)
    assert grey.shape == colour.shape
    diff = np.abs(grey - colour)   # the colour decode's chroma upsampling moves sharp colour edges by a few levels
    assert diff.mean() < 0.5 and diff.max() <= 24
    assert diff.max() > 0   # the luma itself, not a conversion of the colour pixels


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_grey_decode_is_turned_upright(orientation, fmt):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(Image.fromarray(_pattern(64, 40)), fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {}))
    grey = decode_image(data, grey=True).pixels.astype(int)
    reference = cv2.cvtColor(_reference_bgr(data), cv2.COLOR_BGR2GRAY).astype(int)
    assert grey.shape == reference.shape == (64, 40)
    assert np.abs(grey - reference).max() == 0 if fmt == "PNG" else np.abs(grey - reference).mean() < 0.5


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_orientation_is_applied(orientation, fmt):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(Image.fromarray(_pattern(64, 40)), fmt, exif=exif.tobytes())
    decoded = decode_image(data)
    reference = _reference_bgr(data)
    assert decoded.pixels.shape == reference.shape
    np.testing.assert_array_equal(decoded.pixels, reference)
    assert decoded.original_size == (reference.shape[1], reference.shape[0])


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_reduced_decode_keeps_the_long_side_and_the_content(fmt):
    exif = Image.Exif()
    exif[0x0112] = 6   # stored 4000x1000, upright 1000x4000
    page = np.kron(_pattern(500, 125), np.ones((8, 8, 1), np.uint8))   # coarse blocks survive any reduction
    data = _encode(Image.fromarray(page), fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {}))
    decoded = decode_image(data, max_side=900)
    assert decoded.reduction == 4
    assert decoded.original_size == (1000, 4000)
    assert (decoded.width, decoded.height) == (250, 1000)
    assert max(decoded.width, decoded.height) >= 900
    full = _reference_bgr(data).astype(np.float32)
    box = full.reshape(1000, 4, 250, 4, 3).mean(axis=(1, 3))
    assert np.abs(decoded.pixels.astype(np.float32) - box).mean() < (1.0 if fmt == "PNG" else 4.0)


def test_small_images_are_never_reduced():
    data = _encode(Image.fromarray(_pattern(1700, 30)), "PNG")
    decoded = decode_image(data, max_side=1600)
    assert decoded.reduction == 1 and decoded.width == 1700


def test_limits_are_checked_from_the_header():
    data = _encode(Image.new("L", (300, 200)), "PNG")
    with pytest.raises(ApiError) as err:
        decode_image(data, ImageLimits(max_pixels=50_000))
    assert err.value.status == 413
    with pytest.raises(ApiError) as err:
        decode_image(data[:60])
    assert err.value.status == 400

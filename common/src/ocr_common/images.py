"""Safe image decoding for uploads: sniffed formats, size and pixel limits checked before decoding, and a
bounded memory peak while decoding.

Memory: Pillow holds the decoded image in its own storage (4 bytes a pixel for RGB, RGBA and 32-bit modes,
1 for grey). The BGR array the caller gets is allocated once and filled a strip of rows at a time, with
the EXIF orientation applied by writing through a rotated view of it. A decode therefore peaks at
Pillow's image plus the result (about 7 bytes a pixel: 280 MB at 40 megapixels), never at the several
full-size copies that a whole-image `convert`, `np.asarray` (which goes through `tobytes`), alpha
composite or float64 rescale would make. `max_side` decodes a reduced copy for callers that need no
more (the detector reads a page at 1600 px): JPEG is decoded reduced by libjpeg itself (`draft`: the
full-size pixels never exist), other formats are reduced strip by strip (`Image.reduce`, box averages).

`grey=True` gives one channel instead, converted strip by strip as OpenCV converts BGR (so the same values as
`cv2.cvtColor(bgr, COLOR_BGR2GRAY)`): both models read grey, and a page then holds a third of the memory.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from .errors import ApiError

# Magic numbers of the formats we accept; the file name and the declared content type are ignored.
_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
    b"BM": "bmp",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
}
ACCEPTED_FORMATS = ("png", "jpeg", "tiff", "bmp", "webp", "gif")

# Source pixels converted at a time. A strip's temporaries (Pillow's crop of it, at up to 4 bytes a pixel, and its
# array) stay under the 1 MiB from which ocr_common.memory gives each buffer fresh pages of its own: with strips of
# 1 Mi pixels, those fresh pages cost a dev page's decode 9 ms of kernel time instead of 4-5 (docs/performance.md).
STRIP_PIXELS = 1 << 17
_WIDE_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")   # rescaled from their range to 0-255
_EXIF_ORIENTATION = 0x0112

# EXIF orientation -> the view of the upright result through which the stored rows are written
# (the inverse of the transposition Pillow's ImageOps.exif_transpose applies).
_STORED_VIEW: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, 1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, -1),
}


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_side: int = 20_000


@dataclass
class DecodedImage:
    pixels: np.ndarray   # BGR uint8 (or grey, 2-D), EXIF orientation applied
    format: str
    reduction: int = 1   # original pixels per decoded pixel along each side (> 1: decoded reduced, see max_side)
    original_size: tuple[int, int] = field(default=(0, 0))   # (width, height) upright, whatever the reduction

    def __post_init__(self) -> None:
        if self.original_size == (0, 0):
            self.original_size = (self.width, self.height)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def sniff_format(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for magic, fmt in _SIGNATURES.items():
        if data.startswith(magic):
            return fmt
    return None


def decode_image(data: bytes, limits: ImageLimits = ImageLimits(), what: str = "image",
                 max_side: int | None = None, grey: bool = False) -> DecodedImage:
    """Decodes an uploaded image or raises ApiError (400/413/415) with a clear message.

    The dimensions are read from the header and checked before any pixel is decoded, so a decompression
    bomb is refused without allocating its pixels. With `max_side`, an image whose long side is at least
    twice that is decoded reduced by a whole factor, its long side staying at least `max_side`. `grey`: one
    channel (2-D pixels) instead of BGR.
    """
    if not data:
        raise ApiError(400, "empty_file", f"{what} is empty")
    if len(data) > limits.max_bytes:
        raise ApiError(413, "file_too_large", f"{what} is {len(data)} bytes; the limit is {limits.max_bytes}")
    fmt = sniff_format(data)
    if fmt is None:
        raise ApiError(415, "unsupported_media_type",
                       f"{what} is not a supported image (accepted: {', '.join(ACCEPTED_FORMATS)})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w < 1 or h < 1 or w > limits.max_side or h > limits.max_side or w * h > limits.max_pixels:
                raise ApiError(413, "image_too_large",
                               f"{what} is {w}x{h} pixels; the limits are {limits.max_pixels} pixels "
                               f"and {limits.max_side} px per side")
            wanted = max(1, max(w, h) // max_side) if max_side else 1
            drafted = 1
            # libjpeg scales by 1/2, 1/4 or 1/8 while decoding, to no less than the size asked for, and gives
            # the luma channel alone when asked for grey (a quarter of the memory, no colour conversion).
            mode = "L" if grey and fmt == "jpeg" and img.mode in ("RGB", "YCbCr") else img.mode
            if fmt == "jpeg" and (wanted > 1 or mode != img.mode):
                img.draft(mode, (-(-w // wanted), -(-h // wanted)))
                drafted = max(1, round(w / img.size[0]))
            img.load()
            orientation = _orientation(img)
            rest = max(1, wanted // drafted)
            pixels = to_pixels(img, rest, orientation, grey)
            del img
    except ApiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApiError(413, "image_too_large", f"{what} has too many pixels") from None
    except Exception as exc:  # truncated or corrupt data, unsupported mode
        raise ApiError(400, "invalid_image", f"{what} could not be decoded: {exc}") from None
    size = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    return DecodedImage(pixels, fmt, drafted * rest, size)


def _orientation(img: Image.Image) -> int:
    try:
        value = int(img.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:   # a damaged EXIF block does not make the image unreadable
        return 1
    return value if value in _STORED_VIEW else 1


def to_pixels(img: Image.Image, reduce: int = 1, orientation: int = 1, grey: bool = False) -> np.ndarray:
    """Any Pillow mode (palette, 16/32-bit, float, CMYK, alpha) as an upright 8-bit BGR (or grey) array:
    transparency goes onto white, wide modes are stretched from their own range to 0-255. `reduce` > 1
    box-averages `reduce`x`reduce` pixels into one; `orientation` is an EXIF orientation (1-8) to apply."""
    w, h = img.size
    ow, oh = -(-w // reduce), -(-h // reduce)
    channels = () if grey else (3,)
    out = np.empty(((ow, oh) if orientation in (5, 6, 7, 8) else (oh, ow)) + channels, np.uint8)
    target = _STORED_VIEW.get(orientation, lambda a: a)(out)        # shape (oh, ow[, 3]), a view of `out`
    extrema = _extrema(img) if img.mode in _WIDE_MODES else None
    rows = max(1, STRIP_PIXELS // (w * reduce)) * reduce
    for y in range(0, h, rows):
        strip = _rgb_or_grey(img.crop((0, y, w, min(h, y + rows))), extrema)
        if reduce > 1:
            strip = strip.reduce(reduce)
        a = np.asarray(strip)
        y0 = y // reduce
        (_put_grey if grey else _put_bgr)(a, target[y0:y0 + a.shape[0]])
    return out


def _put_bgr(a: np.ndarray, dst: np.ndarray) -> None:
    """Writes an RGB or grey strip into `dst` as BGR: OpenCV's conversion writes straight into a contiguous
    destination (several times faster than numpy's strided copy), a rotated view takes numpy's copy."""
    if dst.flags.c_contiguous:
        cv2.cvtColor(a, cv2.COLOR_RGB2BGR if a.ndim == 3 else cv2.COLOR_GRAY2BGR, dst=dst)
    else:
        dst[...] = a[:, :, ::-1] if a.ndim == 3 else a[:, :, None]


def _put_grey(a: np.ndarray, dst: np.ndarray) -> None:
    """Writes an RGB or grey strip into the 2-D `dst` as grey, with OpenCV's weights (those of COLOR_BGR2GRAY)."""
    if a.ndim == 2:
        dst[...] = a
    elif dst.flags.c_contiguous:
        cv2.cvtColor(a, cv2.COLOR_RGB2GRAY, dst=dst)
    else:
        dst[...] = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)


def _extrema(img: Image.Image) -> tuple[float, float]:
    lo, hi = img.getextrema()
    return float(lo), float(hi)


def _rgb_or_grey(strip: Image.Image, extrema: tuple[float, float] | None) -> Image.Image:
    """One strip as an 8-bit RGB or L image."""
    mode = strip.mode
    if extrema is not None:
        lo, hi = extrema
        a = np.asarray(strip, dtype=np.float64)
        a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
        return Image.fromarray(a.astype(np.uint8))
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in strip.info):
        rgba = strip.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    if mode == "1":       # bilevel: black and white, one channel
        return strip.convert("L")
    return strip if mode in ("RGB", "L") else strip.convert("RGB")

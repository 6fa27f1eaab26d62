"""Safe image decoding for uploads: sniffed formats, size and pixel limits checked before decoding."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

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


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_side: int = 20_000


@dataclass
class DecodedImage:
    pixels: np.ndarray   # BGR uint8, EXIF orientation applied
    format: str

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


def decode_image(data: bytes, limits: ImageLimits = ImageLimits(), what: str = "image") -> DecodedImage:
    """Decodes an uploaded image or raises ApiError (400/413/415) with a clear message.

    The dimensions are read from the header and checked before any pixel is decoded, so a
    decompression bomb is refused without allocating its pixels.
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
            img.load()
            img = ImageOps.exif_transpose(img)
            pixels = to_bgr(img)
    except ApiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApiError(413, "image_too_large", f"{what} has too many pixels") from None
    except Exception as exc:  # truncated or corrupt data, unsupported mode
        raise ApiError(400, "invalid_image", f"{what} could not be decoded: {exc}") from None
    return DecodedImage(pixels, fmt)


def to_bgr(img: Image.Image) -> np.ndarray:
    """Any PIL mode (palette, 16-bit, CMYK, alpha) to 8-bit BGR; transparency goes onto white."""
    if getattr(img, "n_frames", 1) > 1:
        img.seek(0)
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = ((arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)).astype(np.uint8)
        return np.repeat(arr[:, :, None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    rgb = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])

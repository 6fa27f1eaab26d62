"""Reads the inputs of `ocrmesh ocr` and `ocrmesh eval`: image paths or a manifest."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ocr_common.errors import ApiError
from ocr_common.images import ImageLimits, decode_image
from ocr_models.evaluation import read_manifest, resolve_image


@dataclass
class InputImage:
    name: str            # the path exactly as given on the command line or in the manifest
    path: Path
    pixels: np.ndarray | None = None
    error: str | None = None


def collect_inputs(images: list[str], manifest: str | None) -> list[InputImage]:
    if manifest:
        return [InputImage(r["image"], resolve_image(manifest, r["image"])) for r in read_manifest(manifest)]
    return [InputImage(p, Path(p)) for p in images]


def load_pixels(item: InputImage, limits: ImageLimits = ImageLimits(max_bytes=200 * 1024 * 1024, max_pixels=100_000_000, max_side=30_000)) -> InputImage:
    """Decodes the file with the same checks the services apply; failures are kept, not raised."""
    try:
        item.pixels = decode_image(item.path.read_bytes(), limits, what=item.name, grey=True).pixels
    except FileNotFoundError:
        item.error = "file not found"
    except IsADirectoryError:
        item.error = "is a directory"
    except ApiError as exc:
        item.error = exc.detail
    return item

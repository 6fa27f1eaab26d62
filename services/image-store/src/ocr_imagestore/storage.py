"""Image files: IMAGE_ROOT/YYYY-MM-DD/<request_id>.<ext>, written atomically and durably."""
from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from ocr_common.pages import sniff_kind

# sniffed format -> (extension, content type)
FORMATS = {
    "png": ("png", "image/png"),
    "jpeg": ("jpg", "image/jpeg"),
    "tiff": ("tif", "image/tiff"),
    "bmp": ("bmp", "image/bmp"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "pdf": ("pdf", "application/pdf"),
}
DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TEMP_SUFFIX = ".tmp"


class UnsupportedImage(ValueError):
    pass


def image_format(data: bytes) -> tuple[str, str]:
    """(extension, content type) from the bytes themselves; the declared type is not trusted."""
    if not data:
        raise UnsupportedImage("the image is empty")
    fmt = sniff_kind(data)
    if fmt not in FORMATS:
        raise UnsupportedImage(f"not a supported image (starts with {data[:8]!r})")
    return FORMATS[fmt]


def day_of(created_at: datetime) -> str:
    """The day folder of a message: its created_at in UTC, so a redelivery next day lands in the same place."""
    return created_at.astimezone(UTC).strftime("%Y-%m-%d")


def relative_path(request_id: str, created_at: datetime, ext: str) -> str:
    return f"{day_of(created_at)}/{request_id}.{ext}"


def resolve(root: Path, relative: str) -> Path:
    """The absolute path of a stored relative path; refuses anything outside `root`."""
    root = root.resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"path {relative!r} is outside the image root")
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(root: Path, folder: Path) -> None:
    """Creates `folder` (and `root`) if needed and makes the new directory entries durable."""
    if folder.is_dir():
        return
    root.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    _fsync_dir(folder.parent)


def write_atomic(root: Path, relative: str, data: bytes) -> Path:
    """Writes to a temporary file in the target folder, fsyncs it, renames it into place, fsyncs the folder.

    A crash leaves either the complete old file, the complete new one, or a stray `.tmp` file that
    cleanup removes; never a truncated image under the final name.
    """
    final = resolve(root, relative)
    _make_dirs(root.resolve(), final.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=TEMP_SUFFIX, dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)
    return final


def day_folders(root: Path) -> list[tuple[date, Path]]:
    if not root.is_dir():
        return []
    out = []
    for entry in root.iterdir():
        if entry.is_dir() and DAY_FOLDER.match(entry.name):
            try:
                out.append((date.fromisoformat(entry.name), entry))
            except ValueError:
                continue
    return sorted(out)

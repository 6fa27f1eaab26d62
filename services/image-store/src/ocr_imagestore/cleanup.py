"""Deletes images older than a limit: their rows (lines, corrections, image), their files and search words.

    ocrmesh cleanup --older-than 7d [--dry-run]
    python -m ocr_imagestore.cleanup --older-than 12h

Age is the image's creation_timestamp (the created_at of its messages). Safe to run while consumers
run: the old `image` rows are locked and deleted with their lines and corrections in one
transaction (their search index lives in those rows; the words that no newer image holds leave the
search vocabulary in the same transaction), and their files are removed before that transaction
commits, while the rows are still locked. Missing files are tolerated, so it is idempotent. Day folders
entirely older than the limit are also swept: files that no row refers to and that were last
modified before the limit (orphans, stray .tmp files of a crashed write) are removed, then the
folder itself if it is empty.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy import exc as sa_exc

from . import search_index, storage
from .config import StorageSettings
from .db import make_engine
from .models import Image, ImageBox, TextCorrection

log = logging.getLogger(__name__)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DURATION = re.compile(r"(\d+)\s*([wdhms])")
_CHUNK = 1000


def parse_duration(value: str) -> timedelta:
    """'7d', '12h', '30m', '45s', '2w' or combinations such as '1d12h'."""
    text = value.strip().lower()
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip():
        raise argparse.ArgumentTypeError(f"invalid duration {value!r}: use e.g. 7d, 12h, 30m or 1d12h")
    total = timedelta()
    for amount, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(amount)})
    if total <= timedelta(0):
        raise argparse.ArgumentTypeError(f"duration {value!r} must be positive")
    return total


@dataclass
class CleanupReport:
    cutoff: datetime
    dry_run: bool
    images: int = 0          # rows of `image` deleted (or that would be)
    boxes: int = 0
    corrections: int = 0
    files: int = 0           # files of those images removed
    missing_files: int = 0   # files of those images that were already gone
    orphan_files: int = 0    # files in old day folders that no row refers to
    folders: int = 0         # empty day folders removed
    words: int = 0           # search words that no newer image holds

    def to_dict(self) -> dict:
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}


def _chunks(items: list, size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _delete_rows(conn: Connection, cutoff: datetime, dry_run: bool, report: CleanupReport) -> list[str]:
    old = select(Image.id, Image.path).where(Image.creation_timestamp < cutoff)
    # FOR UPDATE: a consumer upserting one of these rows (or adding a line to it) waits for us, then
    # recreates the row if its message is late; it can never add a child to a row being deleted.
    rows = conn.execute(old if dry_run else old.with_for_update()).all()
    for ids in _chunks([r.id for r in rows]):
        if dry_run:
            report.boxes += conn.scalar(select(func.count()).where(ImageBox.image_id.in_(ids)))
            report.corrections += conn.scalar(select(func.count()).where(TextCorrection.image_id.in_(ids)))
        else:
            report.boxes += conn.execute(delete(ImageBox).where(ImageBox.image_id.in_(ids))).rowcount
            report.corrections += conn.execute(delete(TextCorrection).where(TextCorrection.image_id.in_(ids))).rowcount
            conn.execute(delete(Image).where(Image.id.in_(ids)))
    report.images = len(rows)
    return [r.path for r in rows if r.path]


def _delete_files(root: Path, paths: list[str], dry_run: bool, report: CleanupReport) -> None:
    for rel in paths:
        try:
            path = storage.resolve(root, rel)
        except ValueError:
            log.warning("skipping stored path outside the image root: %s", rel)
            continue
        if dry_run:
            exists = path.is_file()
        else:
            try:
                path.unlink()
                exists = True
            except FileNotFoundError:
                exists = False
        if exists:
            report.files += 1
        else:
            report.missing_files += 1


def _sweep_folders(conn: Connection, root: Path, cutoff: datetime, leaving: set[str], dry_run: bool,
                   report: CleanupReport) -> None:
    """Orphans and empty folders in day folders wholly before the cutoff. `leaving`: row files being deleted (dry run)."""
    for day, folder in storage.day_folders(root):
        if day >= cutoff.date():
            continue
        referenced = set(conn.scalars(select(Image.path).where(Image.path.like(f"{folder.name}/%"))))
        staying = 0
        try:
            entries = list(folder.iterdir())
        except FileNotFoundError:
            continue
        for entry in entries:
            rel = f"{folder.name}/{entry.name}"
            if rel in leaving:
                continue
            try:
                orphan = entry.is_file() and not entry.is_symlink() and rel not in referenced \
                    and entry.stat().st_mtime < cutoff.timestamp()
            except FileNotFoundError:   # removed meanwhile
                continue
            if orphan:
                if not dry_run:
                    entry.unlink(missing_ok=True)
                report.orphan_files += 1
            else:
                staying += 1
        if staying == 0:
            if dry_run:
                report.folders += 1
                continue
            try:
                folder.rmdir()
                report.folders += 1
            except OSError:  # a consumer just wrote into it
                pass


def cleanup(target: Engine | StorageSettings, older_than: timedelta, dry_run: bool = False, *,
            image_root: Path | None = None, now: datetime | None = None) -> CleanupReport:
    """Deletes (or with dry_run only counts) what is older than `older_than`.

    `target` is the service's StorageSettings, or an Engine together with `image_root`.
    """
    if older_than <= timedelta(0):
        raise ValueError("older_than must be positive")
    if isinstance(target, StorageSettings):
        engine, root = make_engine(target.DATABASE_URL, target.DB_CONNECT_TIMEOUT), image_root or target.IMAGE_ROOT
    elif image_root is None:
        raise ValueError("image_root is required with an engine")
    else:
        engine, root = target, image_root
    cutoff = (now or datetime.now(UTC)).astimezone(UTC) - older_than
    report = CleanupReport(cutoff=cutoff, dry_run=dry_run)
    try:
        with engine.begin() as conn:
            paths = _delete_rows(conn, cutoff, dry_run, report)
            report.words = search_index.prune_words(conn, cutoff, dry_run)
            # Before the commit: a late image message of one of these requests then either still sees its
            # row and file (a duplicate) or finds the file gone, writes it anew and waits for our row locks
            # to record it. Removed after the commit, a file just rewritten would go and leave its new row
            # behind. Should the commit fail, the rows stay without files until the next run takes them.
            _delete_files(Path(root), paths, dry_run, report)
        with engine.connect() as conn:
            _sweep_folders(conn, Path(root), cutoff, set(paths) if dry_run else set(), dry_run, report)
    finally:
        if engine is not target:
            engine.dispose()
    log.info("cleanup %s: %s", "dry run" if dry_run else "done", report.to_dict())
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--older-than", type=parse_duration, default=None, metavar="DURATION",
                        help="age limit, e.g. 7d, 12h, 30m, 1d12h (default: RETENTION_DAYS days)")
    parser.add_argument("--dry-run", action="store_true", help="only report what would be deleted")


def run(args: argparse.Namespace) -> int:
    """Uses DATABASE_URL, IMAGE_ROOT and RETENTION_DAYS from the environment; prints the report as JSON."""
    try:
        settings = StorageSettings()
    except ValidationError as exc:
        print(f"ocrmesh cleanup: invalid settings: {exc}", file=sys.stderr)
        return 2
    older_than = args.older_than or timedelta(days=settings.RETENTION_DAYS)
    try:
        report = cleanup(settings, older_than, dry_run=args.dry_run)
    except sa_exc.OperationalError as exc:
        print(f"ocrmesh cleanup: database not reachable: {str(exc.orig).strip()}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_dict()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ocrmesh cleanup", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""`ocrmesh cleanup`: exactly what is older than the limit goes, rows and files."""
from __future__ import annotations

import argparse
import json
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from imagestore_testkit import correction_message, counts, data_message, image_bytes, scalar, stored_files, wait_for
from sqlalchemy import text

from ocr_imagestore.cleanup import add_arguments, cleanup, main, parse_duration, run
from ocr_imagestore.handlers import Delivery, MessageStore

NOW = datetime.now(UTC)


def put_request(store: MessageStore, created_at: datetime, with_file: bool = True) -> str:
    request_id = str(uuid.uuid4())
    if with_file:
        store.store_image(Delivery(body=image_bytes(), headers={"request_id": request_id,
                                                                "created_at": created_at.isoformat()}))
    store.store_image_data(Delivery(body=data_message(request_id, created_at, n_lines=3).model_dump_json().encode()))
    store.store_text_correction(Delivery(body=correction_message(request_id, created_at).model_dump_json().encode()))
    return request_id


def age(path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture()
def seeded(engine, db_settings):
    """3 requests 10 days old (one lost its file), 1 from 6 days ago, 2 from today, plus strays on disk."""
    store = MessageStore(engine, db_settings.IMAGE_ROOT)
    root = db_settings.IMAGE_ROOT
    ten_days = (NOW - timedelta(days=10)).replace(hour=12, minute=0)   # noon: its 3 hours stay in one day folder
    old = [put_request(store, ten_days - timedelta(hours=h)) for h in range(3)]
    recent = put_request(store, NOW - timedelta(days=6))
    new = [put_request(store, NOW), put_request(store, NOW, with_file=False)]
    old_day = root / ten_days.strftime("%Y-%m-%d")
    (old_day / f"{old[0]}.png").unlink()                        # already gone
    orphan = old_day / f"{uuid.uuid4()}.png"                   # a file no row refers to
    orphan.write_bytes(image_bytes())
    stray = old_day / f".{uuid.uuid4()}.png.x1y2.tmp"           # left by a crashed write
    stray.write_bytes(b"partial")
    for p in (orphan, stray):
        age(p, ten_days)
    busy_day = root / (NOW - timedelta(days=20)).strftime("%Y-%m-%d")
    busy_day.mkdir()
    just_written = busy_day / f"{uuid.uuid4()}.png"            # old folder, but written a moment ago: kept
    just_written.write_bytes(image_bytes())
    empty_day = root / (NOW - timedelta(days=30)).strftime("%Y-%m-%d")
    empty_day.mkdir()
    (root / "not-a-day").mkdir()
    return dict(old=old, recent=recent, new=new, old_day=old_day, busy_day=busy_day, empty_day=empty_day,
                just_written=just_written)


def test_dry_run_deletes_nothing_then_cleanup_removes_exactly_the_old(engine, db_settings, seeded):
    root = db_settings.IMAGE_ROOT
    before_counts, before_files = counts(engine), stored_files(root)
    assert before_counts == {"image": 6, "image_box": 18, "text_correction": 12}

    dry = cleanup(engine, timedelta(days=7), dry_run=True, image_root=root)
    assert counts(engine) == before_counts and stored_files(root) == before_files
    expected = dict(images=3, boxes=9, corrections=6, files=2, missing_files=1, orphan_files=2, folders=2)
    assert {k: getattr(dry, k) for k in expected} == expected and dry.dry_run

    report = cleanup(engine, timedelta(days=7), image_root=root)
    assert {k: getattr(report, k) for k in expected} == expected and not report.dry_run
    assert counts(engine) == {"image": 3, "image_box": 9, "text_correction": 6}
    with engine.connect() as conn:
        remaining = set(conn.scalars(text("SELECT id FROM image")))
    assert remaining == {seeded["recent"], *seeded["new"]}
    assert not seeded["old_day"].exists() and not seeded["empty_day"].exists()
    assert seeded["just_written"].exists() and (root / "not-a-day").is_dir()
    assert {p.stem for p in stored_files(root)} == {seeded["recent"], seeded["new"][0], seeded["just_written"].stem}

    again = cleanup(engine, timedelta(days=7), image_root=root)
    assert (again.images, again.boxes, again.corrections, again.files, again.missing_files, again.orphan_files,
            again.folders) == (0, 0, 0, 0, 0, 0, 0)

    shorter = cleanup(engine, timedelta(days=5), image_root=root)
    assert (shorter.images, shorter.files) == (1, 1)
    assert scalar(engine, "SELECT count(*) FROM image") == 2


def test_cli(engine, db_settings, seeded, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_settings.DATABASE_URL)
    monkeypatch.setenv("IMAGE_ROOT", str(db_settings.IMAGE_ROOT))
    assert main(["--older-than", "7d", "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] and report["images"] == 3 and counts(engine)["image"] == 6

    monkeypatch.setenv("RETENTION_DAYS", "8")                # the default limit
    assert main([]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 3 and counts(engine)["image"] == 3

    parser = argparse.ArgumentParser(prog="ocrmesh cleanup")  # how the ocrmesh command wires it
    add_arguments(parser)
    assert run(parser.parse_args(["--older-than", "1d12h"])) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 1

    with pytest.raises(SystemExit) as exc:
        main(["--older-than", "seven days"])
    assert exc.value.code == 2
    assert "invalid duration" in capsys.readouterr().err

    monkeypatch.setenv("DATABASE_URL", db_settings.DATABASE_URL.rsplit("/", 1)[0] + "/ocrmesh_test_does_not_exist")
    assert main(["--older-than", "7d"]) == 1
    assert "database not reachable" in capsys.readouterr().err
    monkeypatch.delenv("DATABASE_URL")
    assert main([]) == 2


def test_durations():
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration("12h") == timedelta(hours=12)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("1d12h") == timedelta(days=1, hours=12)
    assert parse_duration(" 2W ") == timedelta(weeks=2)
    for bad in ("7", "", "d", "7x", "0d", "-1d", "1.5d"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_duration(bad)


def test_a_late_image_during_cleanup_never_leaves_a_row_without_its_file(engine, db_settings, monkeypatch):
    """A redelivered image message of a request being deleted arrives just as cleanup removes files."""
    from ocr_imagestore import cleanup as cleanup_module

    store = MessageStore(engine, db_settings.IMAGE_ROOT)
    created = NOW - timedelta(days=10)
    old = put_request(store, created)
    late = Delivery(body=image_bytes(), headers={"request_id": old, "created_at": created.isoformat()})
    remove_files = cleanup_module._delete_files

    def late_message_then_remove(*args, **kwargs):
        # The consumer works in its own thread; it may have to wait for cleanup's row locks.
        consumer = threading.Thread(target=store.store_image, args=(late,))
        consumer.start()
        consumer.join(1.0)
        remove_files(*args, **kwargs)
        threads.append(consumer)

    threads: list[threading.Thread] = []
    monkeypatch.setattr(cleanup_module, "_delete_files", late_message_then_remove)
    cleanup(engine, timedelta(days=7), image_root=db_settings.IMAGE_ROOT)
    threads[0].join(10)
    assert not threads[0].is_alive()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, path FROM image WHERE file_received")).all()
    for row in rows:   # the late message may recreate the row, but then with its file
        assert (db_settings.IMAGE_ROOT / row.path).is_file(), f"row {row.id} has no file"


def test_cleanup_while_the_consumer_runs(start_consumer, publisher, engine, settings):
    consumer = start_consumer()
    store = MessageStore(engine, settings.IMAGE_ROOT)
    old = [put_request(store, NOW - timedelta(days=9)) for _ in range(5)]
    fresh = [str(uuid.uuid4()) for _ in range(30)]
    for request_id in fresh:
        publisher.image(request_id, image_bytes(), created_at=NOW)
        publisher.data(data_message(request_id, NOW))
    for request_id in old[:2]:      # late messages of requests being deleted: redelivered duplicates
        publisher.correction(correction_message(request_id, NOW - timedelta(days=9)))
    report = cleanup(engine, timedelta(days=7), image_root=settings.IMAGE_ROOT)
    assert report.images == 5
    wait_for(lambda: consumer.stats["stored"] + consumer.stats["duplicate"] == 62, what="all messages")
    assert consumer.stats["dead_lettered"] == 0
    assert scalar(engine, "SELECT count(*) FROM image WHERE file_received AND data_received") == 30
    # a late correction may recreate its (old) row; the next cleanup takes it away again
    cleanup(engine, timedelta(days=7), image_root=settings.IMAGE_ROOT)
    assert counts(engine) == {"image": 30, "image_box": 60, "text_correction": 0}
    assert len(stored_files(settings.IMAGE_ROOT)) == 30

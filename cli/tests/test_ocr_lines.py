"""The `ocrmesh ocr --lines` contract: one JSON object per input, in input order, path as given."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OCRMESH = [sys.executable, "-m", "ocrmesh"]


def run(*args, cwd=None):
    return subprocess.run([*OCRMESH, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def line_images(tmp_path_factory, evaldata):
    """Three real dev lines copied next to a relative manifest, plus a broken file."""
    rows = [json.loads(x) for x in (evaldata / "lines" / "manifest.jsonl").read_text().splitlines()[:3]]
    d = tmp_path_factory.mktemp("lines")
    for r in rows:
        (d / Path(r["image"]).parent).mkdir(parents=True, exist_ok=True)
        shutil.copy(evaldata / "lines" / r["image"], d / r["image"])
    (d / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (d / "m.jsonl").write_text("\n".join(json.dumps({"image": r["image"], "text": r["text"]}) for r in rows) + "\n")
    return d, rows


def test_lines_json_contract_keeps_order_and_paths(line_images, recognizer_path):
    d, rows = line_images
    names = [r["image"] for r in reversed(rows)]
    out = run("ocr", "--lines", *names, "--format", "json", cwd=d)
    assert out.returncode == 0, out.stderr
    results = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["image"] for r in results] == names
    for r in results:
        assert set(r) == {"image", "text", "confidence"}
        assert 0.0 <= r["confidence"] <= 1.0
    truth = {r["image"]: r["text"] for r in rows}
    # The committed model reads these clean dev lines nearly perfectly.
    from ocr_models.metrics import edit_distance
    errors = sum(edit_distance(r["text"], truth[r["image"]]) for r in results)
    assert errors <= 0.05 * sum(len(t) for t in truth.values())


def test_manifest_input_and_text_format(line_images, recognizer_path):
    d, rows = line_images
    js = run("ocr", "--lines", "--manifest", str(d / "m.jsonl"))
    assert js.returncode == 0, js.stderr
    assert [json.loads(x)["image"] for x in js.stdout.splitlines()] == [r["image"] for r in rows]
    txt = run("ocr", "--lines", "--manifest", str(d / "m.jsonl"), "--format", "text")
    assert txt.stdout.splitlines() == [json.loads(x)["text"] for x in js.stdout.splitlines()]


def test_unreadable_inputs_are_reported_per_image(line_images, recognizer_path):
    d, rows = line_images
    out = run("ocr", "--lines", rows[0]["image"], "broken.png", "missing.png", cwd=d)
    assert out.returncode == 1
    results = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["image"] for r in results] == [rows[0]["image"], "broken.png", "missing.png"]
    assert "text" in results[0] and "error" in results[1] and results[2]["error"] == "file not found"


def test_usage_errors_exit_2():
    assert run("ocr", "--lines").returncode == 2
    assert run("ocr", "--lines", "a.png", "--manifest", "m.jsonl").returncode == 2

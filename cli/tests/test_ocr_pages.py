"""The `ocrmesh ocr` page contract with the committed weights: one JSON object per input, in input order,
every common format, EXIF orientation, large images, and bad inputs reported per image."""
import json
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from ocr_models.metrics import edit_distance, normalize_for_scoring

OCRMESH = [sys.executable, "-m", "ocrmesh"]
FORMATS = ("png", "jpg", "tif", "bmp", "webp")


def run(*args, cwd):
    return subprocess.run([*OCRMESH, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def cer(predicted: str, truth: str) -> float:
    p, t = normalize_for_scoring(predicted), normalize_for_scoring(truth)
    return edit_distance(p, t) / max(len(t), 1)


def png_bomb() -> bytes:
    """A valid PNG header announcing 30 000 x 30 000 pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def page(evaldata, tmp_path_factory):
    """A real dev page (never trained on) saved in every format, EXIF-rotated, and enlarged 4x."""
    row = next(json.loads(x) for x in (evaldata / "pages" / "manifest.jsonl").read_text().splitlines()
               if json.loads(x)["image"] == "tess/eurotext.png")
    d = tmp_path_factory.mktemp("pages")
    img = Image.open(evaldata / "pages" / row["image"]).convert("RGB")
    for ext in FORMATS:
        img.save(d / f"page.{ext}", quality=95) if ext in ("jpg", "webp") else img.save(d / f"page.{ext}")
    exif = Image.Exif()
    exif[0x0112] = 6                      # "rotate 90 degrees clockwise to display"
    img.transpose(Image.Transpose.ROTATE_90).save(d / "rotated.jpg", quality=95, exif=exif)
    img.resize((img.width * 4, img.height * 4), Image.Resampling.BICUBIC).save(d / "large.png")
    return d, img.size, row["text"]


def test_every_format_gives_the_page_contract_and_reads_the_text(page):
    d, (w, h), truth = page
    names = [f"page.{ext}" for ext in FORMATS] + ["rotated.jpg"]
    out = run("ocr", *names, "--format", "json", cwd=d)
    assert out.returncode == 0, out.stderr
    results = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["image"] for r in results] == names
    for r in results:
        assert (r["width"], r["height"]) == (w, h), r["image"]        # the EXIF-rotated one is shown upright
        assert "downscaled" not in r and len(r["lines"]) >= 8
        assert r["text"] == "\n".join(ln["text"] for ln in r["lines"])
        for ln in r["lines"]:
            pts = np.asarray(ln["points"])
            assert pts.shape == (4, 2) and ln["text"].strip() and 0.0 <= ln["confidence"] <= 1.0
            assert (pts[:, 0] >= 0).all() and (pts[:, 0] <= w).all() and (pts[:, 1] >= 0).all() and (pts[:, 1] <= h).all()
        # Reading order: top to bottom on this one-column page.
        tops = [min(p[1] for p in ln["points"]) for ln in r["lines"]]
        assert tops == sorted(tops), r["image"]
        assert cer(r["text"], truth) < 0.10, (r["image"], r["text"])   # 3.4 % measured on the PNG


def test_text_format_prints_the_text_alone(page):
    d, _, truth = page
    out = run("ocr", "page.png", "--format", "text", cwd=d)
    assert out.returncode == 0, out.stderr
    assert not out.stdout.lstrip().startswith("{")
    assert cer(out.stdout, truth) < 0.10


def test_a_large_image_says_it_was_downscaled_and_still_reads(page):
    d, (w, h), truth = page
    out = run("ocr", "large.png", cwd=d)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert (r["width"], r["height"]) == (4 * w, 4 * h)
    assert 0 < r["downscaled"] < 1
    assert max(max(p[0] for p in ln["points"]) for ln in r["lines"]) > 2 * w   # boxes in original pixels
    assert cer(r["text"], truth) < 0.10


def test_bad_inputs_are_reported_per_image_and_blank_ones_read_as_nothing(page):
    d, _, _ = page
    good = (d / "page.png").read_bytes()
    (d / "not-an-image.png").write_text("hello, I am text")
    (d / "truncated.png").write_bytes(good[: len(good) // 3])
    (d / "empty.png").write_bytes(b"")
    (d / "bomb.png").write_bytes(png_bomb())
    Image.new("RGB", (1, 1), "white").save(d / "dot.png")
    Image.new("L", (1200, 900), 255).save(d / "white.png")
    names = ["not-an-image.png", "truncated.png", "empty.png", "bomb.png", "missing.png", "dot.png", "white.png"]
    out = run("ocr", *names, cwd=d)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    results = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["image"] for r in results] == names
    for r in results[:5]:
        assert set(r) == {"image", "error"} and r["error"], r
    assert "pixels" in results[3]["error"] or "large" in results[3]["error"]
    for r in results[5:]:
        assert r["lines"] == [] and r["text"] == "", r


def test_a_page_lying_sideways_or_upside_down_is_read_upright(evaldata, tmp_path):
    """A real receipt turned by 90, 180 and 270 degrees: each says the turn that put it upright, reads within 1 point
    of CER of the upright page, and its boxes lie on the page as given, first point at the text's top-left."""
    row = next(json.loads(x) for x in (evaldata / "pages" / "manifest.jsonl").read_text().splitlines()
               if json.loads(x)["image"] == "sroie/066.png")
    img = Image.open(evaldata / "pages" / row["image"]).convert("RGB")
    turns = {0: img, 90: img.transpose(Image.Transpose.ROTATE_270), 180: img.transpose(Image.Transpose.ROTATE_180),
             270: img.transpose(Image.Transpose.ROTATE_90)}                   # PIL's ROTATE_n turns anticlockwise
    for turn, im in turns.items():
        im.save(tmp_path / f"turned{turn}.png")
    out = run("ocr", *(f"turned{t}.png" for t in turns), "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    results = dict(zip(turns, (json.loads(x) for x in out.stdout.splitlines())))
    truth = row["text"].casefold()
    upright = cer(results[0]["text"].casefold(), truth)
    for turn, r in results.items():
        assert r["rotation"] == (360 - turn) % 360, (turn, r["rotation"])
        assert abs(cer(r["text"].casefold(), truth) - upright) <= 0.01, turn
        assert (r["width"], r["height"]) == turns[turn].size
    w, h = img.size
    first = np.array(results[0]["lines"][0]["points"])                      # top-left of "PASARAYA ..." upright
    turned = np.array(results[90]["lines"][0]["points"])
    assert results[90]["lines"][0]["text"] == results[0]["lines"][0]["text"]
    assert np.abs(turned - np.stack([h - first[:, 1], first[:, 0]], axis=1)).max() < 2   # turned by 90 clockwise
    assert results[90]["lines"][0]["words"][0]["points"][0][0] > h / 2               # the text starts at the right
    off = run("ocr", "turned90.png", "--no-orientation", "--format", "json", cwd=tmp_path)
    assert json.loads(off.stdout)["rotation"] == 0

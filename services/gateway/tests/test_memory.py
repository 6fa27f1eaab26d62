"""Memory bounded under any allowed input: uploads at the pixel limit, more of them than there are decode slots,
read at once by a fresh process (memory_probe.py). Each slot costs at most PER_SLOT_MIB (Pillow's RGBA image,
4 bytes a pixel, plus the 1-byte grey page the models read, plus the allocator's slack), so the process's peak (VmHWM) stays
under its baseline + DECODE_CONCURRENCY x PER_SLOT_MIB whatever the number of requests."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("memory_probe.py")
WIDTH, HEIGHT = 8000, 5000          # 40 000 000 pixels: the default MAX_IMAGE_PIXELS
PER_SLOT_MIB = 7 * WIDTH * HEIGHT / 2**20    # 7 bytes a pixel: 267 MiB at the limit (measured: about 220)
UPLOADS = 4


def probe(slots: int) -> dict:
    out = subprocess.run([sys.executable, str(PROBE), str(UPLOADS), str(slots), str(WIDTH), str(HEIGHT)],
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("slots", [1, 2])
def test_uploads_at_the_pixel_limit_stay_within_the_decode_slots(slots):
    m = probe(slots)
    assert m["upload_bytes"] < 1_000_000        # a small file that decodes to 40 MP: the case of the issue
    assert m["peak_mib"] - m["baseline_mib"] < slots * PER_SLOT_MIB, m


def test_the_bound_fails_without_the_slots():
    """The test of the test: with a slot per upload the same uploads go over the bound above."""
    m = probe(slots=UPLOADS)
    assert m["peak_mib"] - m["baseline_mib"] > 2 * PER_SLOT_MIB, m

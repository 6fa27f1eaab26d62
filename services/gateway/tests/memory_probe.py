"""Run as a script by test_memory.py: a gateway pipeline (real decoding, cropping and queueing code; peers and the
outbox faked) reads CONCURRENT uploads at the pixel limit at once, in a fresh process, and prints its memory as JSON:
`baseline_mib` (everything imported, the uploads in memory) and `peak_mib` (VmHWM at the end)."""
from __future__ import annotations

import asyncio
import json
import struct
import sys
import zlib
from pathlib import Path

from ocr_gateway import main as _app  # noqa: F401  (the gateway's imports count in the baseline, as in a real process)
from ocr_gateway.clients import Detection
from ocr_gateway.pipeline import OcrPipeline, Queues

from ocr_common.admission import AdmissionGate
from ocr_common.detection import DetectedLine
from ocr_common.images import ImageLimits
from ocr_common.recognition import RecognizedLine, RecognizeResponse


def png_at_limit(width: int, height: int) -> bytes:
    """An RGBA PNG (the costliest mode to decode) written row by row: the pixels never exist in this process."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    z = zlib.compressobj(9)
    row = b"\0" + bytes([250, 250, 250, 200]) * width
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


class FakeDetection:
    """Holds each request until `parties` of them are in detection at once (the slots' worth), so every slot
    holds its pixels at the same time however fast the decodes run: the peak does not depend on timing."""

    def __init__(self, parties: int):
        self.parties, self.arrived, self.all_in = parties, 0, asyncio.Event()

    async def detect(self, body, content_type, priority, page_size=None, since=None):
        self.arrived += 1
        if self.arrived >= self.parties:
            self.all_in.set()
        await asyncio.wait_for(self.all_in.wait(), 120)
        await asyncio.sleep(0.3)   # the model's time: pixels are held meanwhile
        return Detection(width=1, height=1, model_version="fake",
                         lines=[DetectedLine(points=[[10, 10], [4000, 10], [4000, 80], [10, 80]], score=0.9)])


class FakeRecognition:
    async def recognize(self, crops, priority, since=None):
        return RecognizeResponse(lines=[RecognizedLine(text="TOTAL", confidence=0.99) for _ in crops], model_version="fake")


class FakeOutbox:
    def add_many(self, messages, priority=0):
        self.last = [len(m[1]) for m in messages]


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def status_kib(field: str) -> int:
    """VmRSS or VmHWM of this process, from /proc (ru_maxrss would include the peak of the forked parent:
    Linux keeps it across exec, and a long pytest run's is gigabytes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")   # VmHWM starts again from VmRSS


async def main(concurrent: int, slots: int, width: int, height: int) -> None:
    uploads = [png_at_limit(width, height) for _ in range(concurrent)]
    reset_peak()
    baseline = status_kib("VmRSS")
    pipeline = OcrPipeline(FakeDetection(min(slots, concurrent)), FakeRecognition(), FakeOutbox(), ImageLimits(max_pixels=width * height),
                           Queues("i", "d", "c"), pixels=AdmissionGate(slots, max_waiting=64, max_wait=600, name="gateway"))
    results = await asyncio.gather(*(pipeline.run(data) for data in uploads))
    assert all(r.width == width and r.text == "TOTAL" for r in results)
    print(json.dumps({"baseline_mib": mib(baseline), "peak_mib": mib(status_kib("VmHWM")),
                      "upload_bytes": len(uploads[0])}))


if __name__ == "__main__":
    asyncio.run(main(*(int(a) for a in sys.argv[1:5])))

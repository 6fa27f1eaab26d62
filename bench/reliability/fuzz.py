"""Bad input for every service of a running mesh: schemathesis cases from each service's OpenAPI
(valid and invalid), and hypothesis-built image files, valid and mutated (truncated, wrong magic,
flipped bytes, zero-size, huge declared dimensions, CMYK, 16-bit, alpha, palette, animated).

Every answer must be a result or a JSON error: never a 5xx, never a dropped connection, and every
service still alive at the end. `Tally` counts what was sent and what came back.
"""
from __future__ import annotations

import io
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field

import httpx
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from PIL import Image

IMAGE_OK = {200, 400, 413, 415, 422}


@dataclass
class Tally:
    sent: Counter = field(default_factory=Counter)        # per target
    statuses: Counter = field(default_factory=Counter)    # "target status"
    failures: list[str] = field(default_factory=list)     # what broke the rules (first 50)
    known: Counter = field(default_factory=Counter)       # known issues of other components, listed apart

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def fail(self, message: str) -> None:
        if len(self.failures) < 50:
            self.failures.append(message)

    def as_dict(self) -> dict:
        return {"total": self.total, "per_target": dict(self.sent), "statuses": dict(sorted(self.statuses.items())),
                "failures": self.failures, "known_issues": dict(self.known)}


def _image_store_known_issue(query) -> str | None:
    """Known image-store bugs (not the gateway's), listed in docs/reliability.md and counted apart."""
    query = query or {}
    if any("\x00" in str(v) for v in query.values()):
        return "image-store GET /v1/images: NUL in owner/cursor -> 500"
    since = query.get("since")
    if isinstance(since, str):
        from datetime import datetime, timedelta

        try:
            offset = datetime.fromisoformat(since.replace("Z", "+00:00")).utcoffset()
        except ValueError:
            return None
        if offset is not None and abs(offset) >= timedelta(hours=16):
            return "image-store GET /v1/images: `since` with a UTC offset of 16 h or more -> 500"
    return None


def _json_or_empty_ok(response_status: int, content_type: str, body: bytes, path: str, method: str) -> str | None:
    """None if the answer has an acceptable shape, else what is wrong with it."""
    if response_status >= 500:
        return f"HTTP {response_status}"
    if method == "HEAD" or response_status < 400:
        return None
    if path.endswith("/correct-text") and body == b"":
        return None   # the original contract answers its 400/404 with an empty body
    if not content_type.startswith("application/json"):
        return f"HTTP {response_status} is not JSON ({content_type})"
    try:
        import json

        body_json = json.loads(body)
    except ValueError:
        return f"HTTP {response_status} body is not JSON"
    if not isinstance(body_json, dict) or not ({"error"} <= set(body_json)):
        return f"HTTP {response_status} JSON has no 'error'"
    return None


_QUIET = dict(database=None, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate],
              derandomize=False, print_blob=True, verbosity=Verbosity.quiet)


# --------------------------------------------------------------------------------- schemathesis

def fuzz_openapi(name: str, base_url: str, budget: int, tally: Tally, headers: dict | None = None) -> None:
    """`budget` cases spread over the operations of the service's OpenAPI, half valid, half invalid."""
    import requests
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    session = requests.Session()

    def one_pass(per: int) -> None:
        for op in operations:
            for mode in modes:
                _fuzz_operation(name, base_url, op, mode, per, session, tally, headers)

    # Operations with few possible inputs run dry early; further passes fill the budget from the others.
    target = tally.sent[name] + budget
    for _ in range(8):
        remaining = target - tally.sent[name]
        if remaining <= 0:
            break
        before = tally.sent[name]
        one_pass(max(1, -(-remaining // (len(operations) * len(modes)))))
        if tally.sent[name] == before:
            break
    session.close()


def _fuzz_operation(name, base_url, op, mode, per, session, tally: Tally, headers) -> None:
    """Up to `per` cases of one operation in one generation mode."""
    import requests

    @settings(max_examples=per, **_QUIET)
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case):
        tally.sent[name] += 1
        try:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=120)
        except requests.ConnectionError as exc:
            tally.statuses[f"{name} no-answer"] += 1
            tally.fail(f"{name} {op.method.upper()} {op.path}: no answer ({exc.__class__.__name__})")
            return
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, ValueError, UnicodeError):
            tally.sent[name] -= 1   # a case the HTTP client cannot even encode: never sent
            return
        tally.statuses[f"{name} {response.status_code}"] += 1
        content_type = (response.headers.get("content-type") or [""])[0]
        problem = _json_or_empty_ok(response.status_code, content_type, response.content, op.path, op.method.upper())
        known = _image_store_known_issue(case.query) if name == "image-store" and response.status_code == 500 else None
        if problem and known:
            tally.known[known] += 1
        elif problem:
            tally.fail(f"{name} {op.method.upper()} {op.path} ({mode}): {problem}: {response.content[:200]!r}")

    try:
        run()
    except Unsatisfiable:
        pass   # no invalid request exists for this operation (e.g. a GET without parameters)


# ------------------------------------------------------------------------------------ image files

MODES = ["1", "L", "P", "RGB", "RGBA", "LA", "CMYK", "I;16", "I", "F", "PA"]
FORMATS = {"PNG": ("1", "L", "P", "RGB", "RGBA", "LA", "I;16", "I", "PA"), "JPEG": ("L", "RGB", "CMYK"),
           "TIFF": ("1", "L", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F", "LA"), "BMP": ("1", "L", "P", "RGB"),
           "GIF": ("L", "P"), "WEBP": ("RGB", "RGBA")}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bombs() -> dict[str, bytes]:
    """Small files that declare huge images: each must be refused (413) before a pixel is decoded."""
    png = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
           + _png_chunk(b"IDAT", zlib.compress(b"\0" * 100_000)) + _png_chunk(b"IEND", b""))
    gif = (b"GIF89a" + struct.pack("<HHBBB", 65_535, 65_535, 0, 0, 0) + b"\x2c" + struct.pack("<HHHHB", 0, 0, 65_535, 65_535, 0)
           + b"\x02\x02\x44\x01\x00\x3b")
    bmp_header = struct.pack("<2sIHHI", b"BM", 54, 0, 0, 54)
    bmp = bmp_header + struct.pack("<IiiHHIIiiII", 40, 60_000, 60_000, 1, 24, 0, 0, 2835, 2835, 0, 0)
    jpeg = _big_jpeg(60_000, 60_000)
    tiff = _big_tiff(100_000, 100_000)
    webp = _big_webp(16_383, 16_383)
    return {"png": png, "gif": gif, "bmp": bmp, "jpeg": jpeg, "tiff": tiff, "webp": webp}


def _big_jpeg(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (16, 16), 255).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    i = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, i + 5, h, w)
    return bytes(data)


def _big_tiff(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buf, "TIFF")
    data = bytearray(buf.getvalue())
    # Rewrite the ImageWidth (256) and ImageLength (257) entries of the first IFD.
    ifd = struct.unpack_from("<I", data, 4)[0]
    for n in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * n
        tag, typ = struct.unpack_from("<HH", data, at)
        if tag in (256, 257):
            struct.pack_into("<HHII", data, at, tag, 4, 1, w if tag == 256 else h)
    return bytes(data)


def _big_webp(w: int, h: int) -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + b"VP8 " + struct.pack("<I", 10) + b"\0" * 10
    return b"RIFF" + struct.pack("<I", len(body)) + body


@st.composite
def image_files(draw) -> tuple[str, bytes]:
    """A real image in some format and mode, then perhaps one mutation."""
    fmt = draw(st.sampled_from(sorted(FORMATS)))
    mode = draw(st.sampled_from(FORMATS[fmt]))
    w, h = draw(st.integers(1, 320)), draw(st.integers(1, 200))
    frames = draw(st.integers(1, 3)) if fmt in ("GIF", "PNG", "WEBP") else 1
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))   # deterministic: hypothesis replays draws
    imgs = [Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)).convert(mode) for _ in range(frames)]
    buf = io.BytesIO()
    kwargs = {"save_all": True, "append_images": imgs[1:]} if frames > 1 else {}
    try:
        imgs[0].save(buf, fmt, **kwargs)
    except (OSError, ValueError, KeyError):
        imgs[0].convert("RGB").save(buf, "PNG")
        fmt = "PNG"
    data = buf.getvalue()
    mutation = draw(st.sampled_from(["none", "none", "truncate", "flip", "magic", "empty", "garbage", "huge", "prefix"]))
    if mutation == "truncate":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif mutation == "flip":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        data = bytes(data)
    elif mutation == "magic":
        data = draw(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"II*\x00", b"%PDF-"])) + data[8:]
    elif mutation == "empty":
        data = b""
    elif mutation == "garbage":
        data = draw(st.binary(min_size=1, max_size=2048))
    elif mutation == "huge":
        data = bombs()[draw(st.sampled_from(sorted(bombs())))]
    elif mutation == "prefix":
        data = draw(st.binary(min_size=1, max_size=16)) + data
    return f"{fmt.lower()}-{mode}-{mutation}", data


def fuzz_images(name: str, url: str, field_name: str, budget: int, tally: Tally, headers: dict | None = None,
                allowed: set[int] = IMAGE_OK) -> None:
    """`budget` image files posted as multipart `field_name` to `url`."""
    session = httpx.Client(timeout=120)

    @settings(max_examples=budget, **_QUIET)
    @given(item=image_files())
    def run(item):
        label, data = item
        tally.sent[name] += 1
        try:
            r = session.post(url, files=[(field_name, ("upload.bin", data, "application/octet-stream"))], headers=headers or {})
        except httpx.TransportError as exc:
            tally.statuses[f"{name} no-answer"] += 1
            tally.fail(f"{name} {label}: no answer ({exc.__class__.__name__})")
            return
        tally.statuses[f"{name} {r.status_code}"] += 1
        problem = _json_or_empty_ok(r.status_code, r.headers.get("content-type", ""), r.content, url, "POST")
        if problem or r.status_code not in allowed:
            tally.fail(f"{name} {label} ({len(data)} bytes): {problem or r.status_code}: {r.text[:200]}")

    run()
    session.close()

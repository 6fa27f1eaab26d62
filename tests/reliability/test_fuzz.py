"""Bad input against the running mesh: OCRMESH_FUZZ_CASES cases in all (1 000 in `make test`; the full
campaign sends 10 000+), zero 5xx, every answer a result or a JSON error, no process down afterwards."""
from __future__ import annotations

import os
import tracemalloc

import httpx
import pytest
from reliability import fuzz

from ocr_common.errors import ApiError
from ocr_common.images import decode_image

pytestmark = pytest.mark.integration
BUDGET = int(os.environ.get("OCRMESH_FUZZ_CASES", "1000"))
# Share of the budget: (service, OpenAPI cases, image-file cases, image route, field).
PLAN = [("gateway", 0.25, 0.15, "/v1/ocr", "image"), ("detection", 0.08, 0.13, "/v1/detect", "image"),
        ("recognition", 0.08, 0.12, "/v1/recognize", "images"), ("image-store", 0.19, 0.0, None, None)]


@pytest.fixture(scope="module")
def tally():
    return fuzz.Tally()


@pytest.mark.parametrize("kind", sorted(fuzz.bombs()))
def test_decompression_bombs_are_refused_before_decoding(kind, monkeypatch):
    from PIL import ImageFile

    def no_decoding(self, *a, **kw):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    tracemalloc.start()
    with pytest.raises(ApiError) as info:
        decode_image(fuzz.bombs()[kind])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (info.value.status, info.value.code) == (413, "image_too_large")
    assert peak < 5 * 1024 * 1024  # far below the pixels a bomb declares


def test_every_service_refuses_bombs_with_413(mesh):
    headers = mesh.auth.jwt("fuzzer")
    for service, _, _, route, field in PLAN:
        if route is None:
            continue
        for kind, data in fuzz.bombs().items():
            r = httpx.post(f"{mesh.url(service)}{route}", files=[(field, ("b", data, "application/octet-stream"))],
                           headers=headers, timeout=60)
            assert (r.status_code, r.json()["error"]) == (413, "image_too_large"), (service, kind, r.text)


@pytest.mark.parametrize("service", [p[0] for p in PLAN])
def test_openapi_fuzzing_finds_no_5xx(mesh, tally, service):
    share = next(p[1] for p in PLAN if p[0] == service)
    headers = mesh.auth.jwt("fuzzer") if service == "gateway" else None
    before, failed = tally.total, len(tally.failures)
    fuzz.fuzz_openapi(service, mesh.url(service), int(BUDGET * share), tally, headers)
    assert tally.total > before
    assert len(tally.failures) == failed, tally.failures[failed:failed + 5]


@pytest.mark.parametrize("service", [p[0] for p in PLAN if p[3]])
def test_image_fuzzing_finds_no_5xx(mesh, tally, service):
    _, _, share, route, field = next(p for p in PLAN if p[0] == service)
    headers = mesh.auth.jwt("fuzzer") if service == "gateway" else None
    failed = len(tally.failures)
    fuzz.fuzz_images(service, f"{mesh.url(service)}{route}", field, int(BUDGET * share), tally, headers)
    assert len(tally.failures) == failed, tally.failures[failed:failed + 5]


def test_unauthenticated_fuzzing_is_always_401(mesh, tally):
    """Without credentials nothing reaches the pipeline, whatever is sent."""
    failed = len(tally.failures)
    fuzz.fuzz_images("gateway-anonymous", f"{mesh.url('gateway')}/v1/ocr", "image", max(10, BUDGET // 50), tally,
                     allowed={401})
    assert set(s.split()[1] for s in tally.statuses if s.startswith("gateway-anonymous")) == {"401"}
    assert len(tally.failures) == failed


def test_nothing_crashed(mesh, tally):
    for name, proc in mesh.procs.items():
        assert proc.poll() is None, f"{name} exited"
        assert httpx.get(f"{mesh.url(name)}/healthz", timeout=10).status_code == 200
    print(f"\nfuzzing: {tally.as_dict()}")
    assert tally.total >= BUDGET * 0.9 and not tally.failures

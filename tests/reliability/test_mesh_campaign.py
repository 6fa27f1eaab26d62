"""The short campaign against the real mesh (authentication on): load with a broker restart, then the
invariants: nothing lost, nothing duplicated, other owners' results invisible, 401 and 429."""
from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
import pytest
from reliability import harness
from reliability.load import run_load

pytestmark = pytest.mark.integration

LOAD_SECONDS = 15.0


@pytest.fixture(scope="module")
def loaded(mesh, images):
    """15 s of load from two owners (a JWT subject and an API key); the mesh's RabbitMQ node is killed
    (SIGKILL, by its pid) 4 s in and started again 5 s later."""
    alice, robot = mesh.auth.jwt("alice"), mesh.auth.key("robot", name="load")
    faults = []

    def broker_outage():
        time.sleep(4)
        mesh.broker.kill()
        faults.append(("killed", time.time()))
        time.sleep(5)
        mesh.broker.start()
        faults.append(("started", time.time()))

    t = threading.Thread(target=broker_outage)
    t.start()
    try:
        result = asyncio.run(run_load(mesh.url("gateway"), images, clients=4, duration=LOAD_SECONDS,
                                      headers=lambda i: alice if i % 2 == 0 else robot))
    finally:
        t.join()
    owners = {o.request_id: ("alice" if o.client % 2 == 0 else "robot") for o in result.outcomes if o.request_id}
    return result, owners, faults


def test_no_credentials_is_401(mesh, images):
    r = httpx.post(f"{mesh.url('gateway')}/v1/ocr", files={"image": ("a.png", images[0][1], "image/png")})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    bad = httpx.get(f"{mesh.url('gateway')}/v1/ocr", headers={"Authorization": "Bearer ocm_000000000000_" + "x" * 43})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"


def test_load_through_a_broker_restart_loses_and_duplicates_nothing(mesh, loaded):
    result, owners, faults = loaded
    summary = result.summary()
    assert [f[0] for f in faults] == ["killed", "started"]
    assert summary["ok"] >= 4, summary
    assert summary["server_errors"] == 0 and summary["no_answer"] == 0, summary   # OCR goes on without the broker
    state = harness.assert_stored(mesh, result.accepted(), timeout=120, sent=result.sent(), owners=owners)
    # Each message was stored once: the image and the data message of every accepted request.
    assert state["deliveries"]["stored"] == 2 * state["accepted"], state


def test_other_owners_results_are_invisible(mesh, loaded):
    _, owners, _ = loaded
    gw = mesh.url("gateway")
    alice, bob = mesh.auth.jwt("alice"), mesh.auth.jwt("bob")
    rid = next(r for r, o in owners.items() if o == "alice")
    harness.wait_until(lambda: httpx.get(f"{gw}/v1/ocr/{rid}", headers=alice).status_code == 200, 60)
    assert httpx.get(f"{gw}/v1/ocr/{rid}/image", headers=alice).status_code == 200
    for path in (f"/v1/ocr/{rid}", f"/v1/ocr/{rid}/image"):
        r = httpx.get(f"{gw}{path}", headers=bob)
        assert (r.status_code, r.json()["error"]) == (404, "not_found")
    assert httpx.post(f"{gw}/v1/ocr/{rid}/corrections", json={"text": "mine now"}, headers=bob).status_code == 404
    assert httpx.post(f"{gw}/correct-text", json={"id": rid, "text": "mine now"}, headers=bob).status_code == 404
    assert httpx.get(f"{gw}/v1/ocr", headers=bob).json()["items"] == []
    listed = {i["request_id"] for i in httpx.get(f"{gw}/v1/ocr?limit=100", headers=alice).json()["items"]}
    assert listed and all(owners.get(i) == "alice" for i in listed)
    assert httpx.post(f"{gw}/v1/ocr/{rid}/corrections", json={"text": "fixed"}, headers=alice).status_code == 202


def test_past_the_limits_is_429(mesh, images):
    gw = mesh.url("gateway")
    files = {"image": ("a.png", images[-1][1], "image/png")}
    slow = mesh.auth.key("slow", rate_per_minute=2)
    codes = [httpx.get(f"{gw}/v1/ocr", headers=slow).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = httpx.get(f"{gw}/v1/ocr", headers=slow)
    assert r.json()["error"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    small = mesh.auth.key("small", daily_quota=1)
    assert httpx.post(f"{gw}/v1/ocr", files=files, headers=small, timeout=120).status_code == 200
    r = httpx.post(f"{gw}/v1/ocr", files=files, headers=small, timeout=120)
    assert (r.status_code, r.json()["error"]) == (429, "quota_exceeded") and int(r.headers["retry-after"]) > 0


def test_high_priority_overtakes_normal_load(mesh, images):
    """Eight normal clients keep the models busy (four no longer did once the models ran in int8: a page waited
    about as long as a priority one); one priority=high client waits less than they do."""
    normal, vip = mesh.auth.jwt("crowd"), mesh.auth.jwt("vip", scope="ocr:priority")
    pages = [im for im in images if im[0].startswith("pages/")]
    result = asyncio.run(run_load(mesh.url("gateway"), pages, clients=8, duration=12, high_clients=1, high_pause=1.0,
                                  headers=lambda i: vip if i >= 8 else normal))
    high, low = result.summary("high"), result.summary("normal")
    assert high["ok"] >= 2 and low["ok"] >= 2, (high, low)
    assert high["p50_s"] < low["p50_s"], (high, low)
    assert httpx.post(f"{mesh.url('gateway')}/v1/ocr?priority=high", headers=normal,
                      files={"image": ("a.png", images[-1][1], "image/png")}).status_code == 403
    harness.assert_stored(mesh, result.accepted(), timeout=120, sent=result.sent())


def test_unknown_ids_are_404_not_500(mesh):
    alice = mesh.auth.jwt("alice")
    for path in (f"/v1/ocr/{uuid.uuid4()}", f"/v1/ocr/{uuid.uuid4()}/image", "/v1/ocr/../etc/passwd", "/v1/ocr/%00"):
        assert httpx.get(f"{mesh.url('gateway')}{path}", headers=alice).status_code == 404

"""The campaign's own checks, each shown failing on a broken end state (no mesh needed)."""
from __future__ import annotations

import json
from collections import Counter

from reliability import harness


def log_line(queue: str, request_id: str, outcome: str) -> str:
    return json.dumps({"level": "info", "service": "image-store", "msg": f"{queue}: stored", "request_id": request_id,
                       "queue": queue, "outcome": outcome})


def test_deliveries_are_counted_from_the_image_store_log(tmp_path):
    log = tmp_path / "image-store.log"
    log.write_text("\n".join([log_line("q.image", "a", "stored"), "not json", '{"msg": "starting"}',
                              log_line("q.image", "a", "duplicate"), log_line("q.data", "a", "stored"),
                              log_line("q.image", "b", "stored")]) + "\n")
    outcomes = harness.store_outcomes(log)
    assert outcomes == Counter({("q.image", "a", "stored"): 1, ("q.image", "a", "duplicate"): 1,
                                ("q.data", "a", "stored"): 1, ("q.image", "b", "stored"): 1})
    assert harness.stored_twice(outcomes, ["a", "b"]) == []   # a redelivery recognised as such is fine
    # A broken store that wrote a redelivered message again: caught.
    with log.open("a") as f:
        f.write(log_line("q.image", "b", "stored") + "\n")
    assert harness.stored_twice(harness.store_outcomes(log), ["a", "b"]) == ["b"]
    assert harness.stored_twice(harness.store_outcomes(log), ["a"]) == []   # only the requests asked about
    assert harness.store_outcomes(tmp_path / "absent.log") == Counter()


def test_queues_count_as_empty_only_when_every_expected_queue_is_listed_and_empty():
    expected = {"q", "q.dlq"}
    assert harness.queues_empty({"q": (0, 0), "q.dlq": (0, 0), "other": (5, 0)}, expected)
    assert not harness.queues_empty({}, expected)                       # nothing listed: not proof of empty
    assert not harness.queues_empty({"q": (0, 0)}, expected)            # a queue missing
    assert not harness.queues_empty({"q": (0, 1), "q.dlq": (0, 0)}, expected)   # one unacknowledged
    assert not harness.queues_empty({"q": (0, 0), "q.dlq": (2, 0)}, expected)   # dead letters


def test_free_ports_come_from_below_the_ephemeral_range_and_can_be_bound():
    """Outgoing connections take ports from the ephemeral range, so a port chosen there can be gone by the
    time a service binds it (an `Address already in use` gateway in CI, 2026-12-05)."""
    import socket
    from pathlib import Path

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {harness.free_port() for _ in range(20)}
    assert len(ports) > 1 and all(1024 <= p < low for p in ports)
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

"""Free ports for the services a test or campaign starts."""
from __future__ import annotations

import random
import socket
from pathlib import Path


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A free port below the kernel's ephemeral range. A port the kernel hands out (binding port 0) comes
    from that range, so an outgoing connection (to the broker, the database) can take it before the service
    it was meant for binds it: up.py starts the gateway seconds after choosing its port."""
    high = _ephemeral_low()
    low = max(1024, high - 10000)
    rng = random.SystemRandom()
    for _ in range(500):
        port = rng.randrange(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}..{high - 1}")

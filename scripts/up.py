"""Starts the ocrmesh services locally and stops every one of them on Ctrl-C.

Each service runs as its own process on 127.0.0.1 with its own port; a service that exits takes
the others down, so a broken start is never half-running.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
HOST = os.environ.get("OCRMESH_HOST", "127.0.0.1")

# name -> (module, port setting, default port)
SERVICES = {
    "recognition": ("ocr_recognition.main", "RECOGNITION_PORT", 8002),
}


def start(name: str, module: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, PORT=str(port), OTEL_SERVICE_NAME=name)
    cmd = [str(VENV_BIN / "uvicorn"), f"{module}:create_app", "--factory", "--host", HOST, "--port", str(port),
           "--no-access-log"]
    return subprocess.Popen(cmd, env=env, cwd=REPO, start_new_session=True)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for name, (module, port_var, default) in SERVICES.items():
            port = int(os.environ.get(port_var, default))
            procs[name] = start(name, module, port)
            if not wait_ready(f"http://{HOST}:{port}/readyz", procs[name]):
                print(f"ocrmesh: {name} did not become ready", file=sys.stderr)
                return 1
            print(f"ocrmesh: {name} ready at http://{HOST}:{port} (API docs at /docs)", flush=True)
        print("ocrmesh: running; press Ctrl-C to stop", flush=True)
        while not stopping:
            for name, p in procs.items():
                if p.poll() is not None:
                    print(f"ocrmesh: {name} exited with code {p.returncode}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        print("ocrmesh: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())

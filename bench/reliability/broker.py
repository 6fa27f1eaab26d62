"""A RabbitMQ node of a test's own: its name, ports and data folder, started as a child process and
killed by its pid. Tests that stop or kill a broker use one, never the machine's shared RabbitMQ.

Durable queues and persistent messages live in the node's folder, so a node started again after a
SIGKILL has what it had confirmed, like a broker pod that crashed and came back.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

from .ports import free_port

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"   # the real script: the /usr/sbin wrapper switches user
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
COOKIE_HOME = "/var/lib/rabbitmq"                   # the node uses the machine's Erlang cookie, as rabbitmqctl does


class PrivateBroker:
    def __init__(self, folder: Path):
        self.folder = folder
        self.node = f"ocrmesh-test-{secrets.token_hex(3)}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "plugins").write_text("[].\n")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def _env(self) -> dict:
        f = self.folder
        return dict(os.environ, HOME=COOKIE_HOME, RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_PORT=str(self.port),
                    RABBITMQ_DIST_PORT=str(self.dist_port), RABBITMQ_MNESIA_BASE=str(f / "mnesia"),
                    RABBITMQ_LOG_BASE=str(f / "log"), RABBITMQ_PID_FILE=str(f / "pid"),
                    RABBITMQ_ENABLED_PLUGINS_FILE=str(f / "plugins"), RABBITMQ_CONFIG_FILE=str(f / "no-config"),
                    RABBITMQ_ADVANCED_CONFIG_FILE=str(f / "no-advanced.config"))

    def start(self, timeout: float = 90) -> None:
        (self.folder / "pid").unlink(missing_ok=True)
        out = open(self.folder / "server.log", "ab")
        self.proc = subprocess.Popen([SERVER], env=self._env(), stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the test broker exited: {(self.folder / 'server.log').read_text()[-2000:]}")
            if self.accepts_connections():
                return
            time.sleep(0.5)
        raise RuntimeError(f"the test broker {self.node} did not start in {timeout:.0f}s")

    def accepts_connections(self) -> bool:
        import pika

        try:
            pika.BlockingConnection(pika.URLParameters(self.url + "?connection_attempts=1&socket_timeout=2")).close()
            return True
        except Exception:   # not up yet: refused, reset or still booting
            return False

    def pid(self) -> int:
        """The node's OS process (the Erlang VM), from its pid file."""
        return int((self.folder / "pid").read_text().split()[0])

    def kill(self) -> None:
        """SIGKILL of the node's VM, by its pid: no clean shutdown, connections drop mid-publish."""
        os.kill(self.pid(), signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(30)
        # The VM's helpers (epmd stays: the machine's broker uses it too) go with their process group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, AttributeError):
            pass

    def ctl(self, *args: str, timeout: float = 60) -> str:
        return subprocess.run([CTL, "-n", self.node, "-q", *args], env=dict(os.environ, HOME=COOKIE_HOME),
                              capture_output=True, text=True, timeout=timeout, check=True).stdout

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.ctl("shutdown", timeout=60)
        except (subprocess.SubprocessError, OSError):
            self.kill()
        self.proc.wait(30)

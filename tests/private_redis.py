"""A ``redis-server`` of a test's own: a free loopback port and a directory, killable and
restartable, with or without AOF. For tests that kill Redis or count its commands server-wide
(the shared server is also used by the other test worker)."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port} after {timeout:.0f}s") from None
            time.sleep(0.05)


@dataclass
class PrivateRedis:
    """A redis-server only this test talks to."""

    directory: Path
    appendonly: bool
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        args += ["--dir", str(self.directory), "--appendonly", "yes" if self.appendonly else "no"]
        args += ["--appendfsync", "always", "--maxmemory-policy", "noeviction"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        deadline = time.monotonic() + 10
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
            != b"PONG"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not finish loading")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing flushed on the way out."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

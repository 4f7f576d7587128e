"""A closed-loop load driver: requests sent in order by N threads, each timed; and CPU figures."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench._capture_batches import CaptureRequest
from bench._seed import percentile


@dataclass(frozen=True)
class Sent:
    request: CaptureRequest
    status: int  # 0: the connection failed
    seconds: float
    error: str | None = None
    finished_at: float = 0.0  # wall clock (time.time()) when the response was read


@dataclass
class Phase:
    label: str
    wall_seconds: float
    results: list[Sent]

    @property
    def ok(self) -> list[Sent]:
        return [sent for sent in self.results if sent.status == 200 and sent.error is None]

    @property
    def requests_per_second(self) -> float:
        return len(self.results) / self.wall_seconds

    def mb_per_second(self, *, decompressed: bool) -> float:
        size = sum(s.request.json_size if decompressed else len(s.request.body) for s in self.results)
        return size / 1e6 / self.wall_seconds

    def latency_ms(self, fraction: float) -> float:
        return percentile([sent.seconds for sent in self.results], fraction) * 1000


def run_concurrently(
    label: str,
    requests: Sequence[CaptureRequest],
    send: Callable[[CaptureRequest], Sent],
    *,
    concurrency: int,
    max_seconds: float,
) -> Phase:
    """Send ``requests`` in order from ``concurrency`` threads until done or ``max_seconds``."""
    results: list[Sent] = []
    cursor = iter(requests)
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                request = next(cursor, None)
            if request is None:
                return
            sent = send(request)
            with lock:
                results.append(sent)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Phase(label, time.perf_counter() - started, results)


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time the processes used so far (``/proc/<pid>/stat`` fields 14, 15)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")

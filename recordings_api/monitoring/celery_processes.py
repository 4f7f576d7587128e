"""Metrics and health of the Celery processes (worker and beat).

- Worker: with ``CELERY_METRICS_PORT`` set, the worker's main process serves ``/metrics`` on
  that port once it is ready, adding up its pool processes' counters (flushes, flush lag,
  storage errors happen there) through ``PROMETHEUS_MULTIPROC_DIR``; a pool process that exits
  is marked dead so its live values are dropped. The port is meant for the private network
  (Prometheus scrapes ``worker:PORT``); it is not published.
- Beat: ``HeartbeatScheduler`` touches ``CELERY_BEAT_HEARTBEAT_FILE`` on every tick (every few
  seconds while entries are due every 15 s); ``python -m recordings_api.monitoring.celery_processes
  beat-alive [MAX_AGE_SECONDS]`` exits 0 when the file is fresh: the beat container's healthcheck.
  (Workers are checked with ``celery inspect ping``.)
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_FILE = "/tmp/celerybeat-heartbeat"
DEFAULT_MAX_AGE_SECONDS = 120


def heartbeat_path() -> Path:
    return Path(os.environ.get("CELERY_BEAT_HEARTBEAT_FILE") or DEFAULT_HEARTBEAT_FILE)


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler, plus a heartbeat file its healthcheck reads."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        heartbeat_path().touch()
        return float(super().tick(*args, **kwargs))


def beat_alive(max_age_seconds: float) -> bool:
    try:
        age = time.time() - heartbeat_path().stat().st_mtime
    except OSError:
        return False
    return age <= max_age_seconds


def worker_metrics_serve(**kwargs: Any) -> None:
    """``worker_ready`` receiver: serve the worker's metrics when ``CELERY_METRICS_PORT`` is set."""
    from django.conf import settings
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    port = int(settings.CELERY_METRICS_PORT or 0)
    if not port:
        return
    registry = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    start_http_server(port, registry=registry or REGISTRY)
    logger.info("celery_metrics_serving", extra={"port": port})


def worker_process_forget(pid: int | None = None, **kwargs: Any) -> None:
    """``worker_process_shutdown`` receiver: drop an exited pool process's live values."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


def celery_signals_connect() -> None:
    from celery.signals import worker_process_shutdown, worker_ready

    worker_ready.connect(worker_metrics_serve, weak=False)
    worker_process_shutdown.connect(worker_process_forget, weak=False)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[1] == "beat-alive":
        max_age = float(argv[2]) if len(argv) > 2 else DEFAULT_MAX_AGE_SECONDS
        alive = beat_alive(max_age)
        print("beat alive" if alive else f"no beat heartbeat in {heartbeat_path()} for {max_age:.0f}s")
        return 0 if alive else 1
    print("usage: python -m recordings_api.monitoring.celery_processes beat-alive [MAX_AGE_SECONDS]")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

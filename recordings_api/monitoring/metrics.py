"""Every Prometheus metric of the service, declared once, and the ``/metrics`` exposition.

Counters and histograms live in prometheus-client's default registry. Under gunicorn (and
Celery's prefork pool) ``PROMETHEUS_MULTIPROC_DIR`` switches prometheus-client to multiprocess
mode: each process writes its values to files in that directory and a scrape adds up every
process's (``MultiProcessCollector``), so ``/metrics`` reports the whole server, not the one
worker that answered. No gauge is kept per process: values that describe shared state (the
live buffer's backlog) are computed at scrape time by collectors that apps register with
``metrics_collector_register`` (snapshots registers ``LiveBufferBacklogCollector``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)

# --- capture -----------------------------------------------------------------------------------
CAPTURE_REQUESTS = Counter(
    "capture_requests",
    "Capture requests (/s/, /e/, …) answered, by HTTP status and error code (ok for 200).",
    ["status", "code"],
)
CAPTURE_REJECTED_ITEMS = Counter(
    "capture_rejected_items",
    "Items of capture batches that were rejected, by rejection code.",
    ["code"],
)

# --- flush and object storage ------------------------------------------------------------------
SNAPSHOT_FLUSHES = Counter(
    "snapshot_flushes",
    "Session buffer flushes, by outcome (flushed, empty, dropped, locked, failed).",
    ["status"],
)
SNAPSHOT_FLUSH_LAG = Histogram(
    "snapshot_flush_lag_seconds",
    "Age of the oldest buffered data of a session when its flush wrote a blob.",
    buckets=(1, 5, 15, 30, 60, 90, 120, 300, 600, 900, 1800, 3600, 21600, 86400),
)
OBJECT_STORAGE_ERRORS = Counter(
    "object_storage_errors",
    "Object storage calls that failed (outage, timeout, refused), by operation.",
    ["operation"],
)

# --- HTTP --------------------------------------------------------------------------------------
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to the response (first byte for streams), by route name, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# --- live buffer backlog (computed at scrape time) ----------------------------------------------
LIVE_BUFFER_SESSIONS = ("live_buffer_sessions", "Sessions holding unflushed snapshot data.")
LIVE_BUFFER_BYTES = ("live_buffer_bytes", "Size of the unflushed snapshot data (a hint, see LiveBuffer).")
LIVE_BUFFER_OLDEST_AGE = (
    "live_buffer_oldest_age_seconds",
    "Age of the oldest unflushed data of any session (0 when the buffer is empty).",
)
LIVE_BUFFER_UP = ("live_buffer_up", "1 when the live buffer could be read for this scrape, else 0.")


class SessionBacklog(Protocol):
    """What the backlog collector reads of one session (``snapshots.live_buffer.BufferStats``)."""

    @property
    def size_bytes(self) -> int: ...

    @property
    def first_appended_ms(self) -> int | None: ...


class LiveBufferBacklogCollector(Collector):
    """The live buffer's backlog, read once per scrape from ``read_stats()`` (one call, no state).

    When the buffer cannot be read, ``live_buffer_up`` is 0 and the other gauges are left out
    (a stale or zero backlog would look healthy).
    """

    def __init__(self, read_stats: Callable[[], Mapping[Any, SessionBacklog]]) -> None:
        self.read_stats = read_stats

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(*LIVE_BUFFER_UP)
        try:
            stats = list(self.read_stats().values())
        except Exception as error:  # any backend failure: report "down", never break the scrape
            logger.warning(
                "metrics_live_buffer_unreadable", extra={"error": f"{type(error).__name__}: {error}"}
            )
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        now_ms = time.time() * 1000
        oldest = min((s.first_appended_ms for s in stats if s.first_appended_ms is not None), default=None)
        yield GaugeMetricFamily(*LIVE_BUFFER_SESSIONS, value=len(stats))
        yield GaugeMetricFamily(*LIVE_BUFFER_BYTES, value=sum(s.size_bytes for s in stats))
        age = 0.0 if oldest is None else max(0.0, (now_ms - oldest) / 1000)
        yield GaugeMetricFamily(*LIVE_BUFFER_OLDEST_AGE, value=age)


_SCRAPE_COLLECTORS: list[Collector] = []


def metrics_collector_register(collector: Collector) -> None:
    """Add a collector evaluated at every scrape (idempotent per collector class)."""
    _SCRAPE_COLLECTORS[:] = [c for c in _SCRAPE_COLLECTORS if type(c) is not type(collector)]
    _SCRAPE_COLLECTORS.append(collector)


def multiprocess_enabled() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def metrics_exposition() -> bytes:
    """The text exposition of every metric: all processes' counters, then the scrape collectors."""
    if multiprocess_enabled():
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        base = generate_latest(processes)
    else:
        base = generate_latest(REGISTRY)
    scraped = CollectorRegistry(auto_describe=False)
    for collector in _SCRAPE_COLLECTORS:
        scraped.register(collector)
    return base + generate_latest(scraped)


def capture_rejections_count(codes: Iterable[str]) -> None:
    for code in codes:
        CAPTURE_REJECTED_ITEMS.labels(code=code).inc()

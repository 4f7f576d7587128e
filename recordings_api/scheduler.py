"""The embedded scheduler: ``CELERY_BEAT_SCHEDULE`` itself, run in-process when there is no broker.

With a broker, Celery beat runs the schedule and workers run the tasks. Without one (embedded
mode, ``make run``) the web process runs ONE ``EmbeddedScheduler`` thread
(``embedded_scheduler_ensure_started``, called by ``config.wsgi`` / ``config.asgi``), so every
periodic task — flushes, draining the ingest log, the retention purge, saved-filter counts — runs
the same way as under beat, and no request ever does scheduled work.

Each entry runs at start and then every ``schedule`` seconds. Time is cut into slots of each
entry's interval (wall clock); a coordination key per entry and slot (see
``recordings_api.coordination``) makes one process run a given entry per slot, so any number of
processes (gunicorn workers) may each run a scheduler. A failing task is logged and
the schedule goes on; the thread closes its database connections after every tick, so it never
holds a SQLite lock or a stale PostgreSQL connection between ticks.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections

from recordings_api.coordination import coordination_key

logger = logging.getLogger(__name__)
TICK_SECONDS = 0.5


@dataclass(frozen=True)
class ScheduleEntry:
    name: str
    task: str
    interval_seconds: float


def schedule_entries(schedule: Mapping[str, Mapping[str, Any]]) -> list[ScheduleEntry]:
    """The beat schedule's entries; only interval schedules (seconds) are supported."""
    entries = []
    for name, entry in schedule.items():
        interval = entry["schedule"]
        if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
            raise ValueError(
                f"beat entry {name!r}: the embedded scheduler runs interval schedules (seconds) only"
            )
        entries.append(ScheduleEntry(name=name, task=str(entry["task"]), interval_seconds=float(interval)))
    return entries


class EmbeddedScheduler:
    def __init__(
        self, schedule: Mapping[str, Mapping[str, Any]], *, namespace: str = "embedded-scheduler"
    ) -> None:
        self.entries = schedule_entries(schedule)
        self.namespace = namespace
        current_app.loader.import_default_modules()  # every app's tasks module, as a worker does
        self._next_run: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="embedded-scheduler", daemon=True)

    def _claim(self, entry: ScheduleEntry, now: float) -> bool:
        """Whether this process runs ``entry`` in the slot of ``now`` (no process did yet)."""
        slot = math.floor(now / entry.interval_seconds)
        key = coordination_key(self.namespace, entry.name, slot)
        return bool(cache.add(key, os.getpid(), timeout=math.ceil(entry.interval_seconds * 2)))

    def _run_task(self, entry: ScheduleEntry) -> None:
        result = current_app.tasks[entry.task].apply()
        if result.failed():
            logger.error(
                "scheduled_task_failed",
                extra={"entry": entry.name, "task": entry.task, "error": repr(result.result)},
            )

    def run_due(self, *, now: float | None = None) -> list[str]:
        """Run every entry that is due at ``now`` (epoch seconds); returns the names run."""
        now = time.time() if now is None else now
        ran = []
        for entry in self.entries:
            if now < self._next_run.get(entry.name, -math.inf):
                continue
            self._next_run[entry.name] = now + entry.interval_seconds
            try:
                if not self._claim(entry, now):
                    continue
                self._run_task(entry)
                ran.append(entry.name)
            except Exception:  # the schedule must survive any task's or the cache's failure
                logger.exception("scheduled_task_failed", extra={"entry": entry.name, "task": entry.task})
        return ran

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.run_due()
                finally:
                    close_old_connections()
                self._stop.wait(TICK_SECONDS)
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)


_scheduler: EmbeddedScheduler | None = None
_scheduler_lock = threading.Lock()


def embedded_scheduler_ensure_started() -> EmbeddedScheduler | None:
    """This process's scheduler, started on the first call (restarted if it died); None when a
    broker is configured (Celery beat runs the schedule then)."""
    global _scheduler
    if settings.CELERY_BROKER_URL:
        return None
    with _scheduler_lock:
        if _scheduler is None or not _scheduler.is_alive():
            _scheduler = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE)
            _scheduler.start()
            logger.info("embedded_scheduler_started", extra={"pid": os.getpid()})
        return _scheduler

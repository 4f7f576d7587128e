"""Which sessions are flushed, and who runs the flush.

- ``flush_is_due``: the idle / size / age rule (settings ``LIVE_BUFFER_FLUSH_*``).
- ``live_buffers_flush_due``: flush every due session (``flush_live_buffers`` forces all).
- With a Celery broker, beat runs ``snapshots.tasks.flush_due_live_buffers`` every 15 s.
- Without one (embedded mode), ``flush_check_schedule`` starts this process's
  ``EmbeddedFlusher`` daemon thread on the first capture; checks are rate-limited across
  processes by a cache key, and sessions are locked one by one, so any number of processes
  may run one.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections

from snapshots.flush.session import FlushOutcome, coordination_key, session_buffer_flush
from snapshots.live_buffer import BufferStats, LiveBufferUnavailable, SessionRef, get_live_buffer
from snapshots.monitoring import flush_outcome_observe
from snapshots.storage import StorageUnavailable

logger = logging.getLogger("snapshots.flush")

FLUSH_CHECK_INTERVAL_SECONDS = 5


def flush_is_due(stats: BufferStats, *, now_ms: int) -> bool:
    """The idle / size / age rule for one session's buffer."""
    if stats.line_count == 0:
        return True  # nothing to write; flushing clears the stale index entry
    if stats.size_bytes >= settings.LIVE_BUFFER_FLUSH_MAX_BYTES:
        return True
    if stats.last_appended_ms is None or stats.first_appended_ms is None:
        return True
    idle = now_ms - stats.last_appended_ms >= settings.LIVE_BUFFER_FLUSH_IDLE_SECONDS * 1000
    old = now_ms - stats.first_appended_ms >= settings.LIVE_BUFFER_FLUSH_AGE_SECONDS * 1000
    return idle or old


FlushProgress = Callable[[int, int, FlushOutcome], None]


def live_buffers_flush_due(
    *, now_ms: int | None = None, force: bool = False, progress: FlushProgress | None = None
) -> list[FlushOutcome]:
    """Flush every due session (every session with ``force``); one failure does not stop the rest.

    ``progress(done, total, outcome)`` is called after each session (``flush_live_buffers``
    prints it). Raises ``LiveBufferUnavailable`` only when the buffer cannot even be listed.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    buffer = get_live_buffer()
    purge_expired = getattr(buffer, "purge_expired", None)
    if purge_expired is not None:
        purge_expired()
    outcomes: list[FlushOutcome] = []
    due = [
        (ref, stats)
        for ref, stats in buffer.sessions_stats().items()
        if force or flush_is_due(stats, now_ms=now_ms)
    ]
    for ref, stats in due:
        outcomes.append(flush_outcome_observe(_flush_reporting_failure(ref), stats=stats))
        if progress is not None:
            progress(len(outcomes), len(due), outcomes[-1])
    return outcomes


def flush_session_reporting(*, environment_id: int, session_id: str) -> FlushOutcome:
    """Flush one session now, outside the schedule; its outcome is counted and a failure logged."""
    return flush_outcome_observe(_flush_reporting_failure(SessionRef(environment_id, session_id)))


def _flush_reporting_failure(ref: SessionRef) -> FlushOutcome:
    try:
        return session_buffer_flush(environment_id=ref.environment_id, session_id=ref.session_id)
    except (StorageUnavailable, LiveBufferUnavailable) as error:
        extra = {"environment_id": ref.environment_id, "session_id": ref.session_id, "error": str(error)}
        logger.warning("snapshot_flush_failed", extra=extra)
        return FlushOutcome(ref.environment_id, ref.session_id, status="failed", error=str(error))


def flush_check_run(
    *, min_interval_seconds: int = FLUSH_CHECK_INTERVAL_SECONDS - 1
) -> list[FlushOutcome] | None:
    """One rate-limited check: flush due sessions unless some process checked less than
    ``min_interval_seconds`` ago (a cache key shared by every process is the limit).

    Returns None when skipped. Raises ``LiveBufferUnavailable`` when the buffer cannot be listed.
    """
    if not cache.add(coordination_key("flush-check"), 1, timeout=max(1, min_interval_seconds)):
        return None
    return live_buffers_flush_due()


class EmbeddedFlusher:
    """The flusher of embedded mode (no Celery broker, no beat): a daemon thread of this process.

    It runs ``flush_check_run`` at start and then every ``interval_seconds``, so a session that
    goes idle is flushed even when no request ever arrives again. Failures are logged and the
    loop goes on (the data stays buffered and is retried next round). Several processes (e.g.
    gunicorn workers) each run one; the shared rate limit and the per-session flush locks keep
    them from doing the same work twice. The thread closes its database connections after every
    round, so it never holds a SQLite lock or a stale PostgreSQL connection between rounds.
    """

    def __init__(self, *, interval_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshots-embedded-flusher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            while True:
                try:
                    # The limit expires a little before this flusher's next round.
                    flush_check_run(min_interval_seconds=math.ceil(self.interval_seconds) - 1)
                except Exception:  # a daemon must survive any round's failure
                    logger.exception("snapshot_embedded_flush_failed")
                finally:
                    close_old_connections()
                if self._stop.wait(self.interval_seconds):
                    return
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)


_embedded_flusher: EmbeddedFlusher | None = None
_embedded_flusher_lock = threading.Lock()


def embedded_flusher_ensure_started() -> EmbeddedFlusher:
    """This process's ``EmbeddedFlusher``, started on first call (and restarted if it died)."""
    global _embedded_flusher
    with _embedded_flusher_lock:
        if _embedded_flusher is None or not _embedded_flusher.is_alive():
            _embedded_flusher = EmbeddedFlusher(interval_seconds=FLUSH_CHECK_INTERVAL_SECONDS)
            _embedded_flusher.start()
            logger.info("snapshot_embedded_flusher_started", extra={"pid": os.getpid()})
        return _embedded_flusher


def flush_check_schedule() -> None:
    """Called by ingestion after every capture that buffered snapshot lines.

    With a broker (``CELERY_TASK_ALWAYS_EAGER`` off) it does nothing: the beat schedule runs
    ``flush_due_live_buffers`` every 15 s. In embedded mode (tasks run in-process) it makes sure
    this process's ``EmbeddedFlusher`` runs, so ``make run`` flushes idle sessions without any
    daemon and without slowing the capture request. Under ``TESTING`` no thread is started
    (it would flush other tests' buffers); tests drive ``EmbeddedFlusher`` themselves.
    """
    if not settings.CELERY_TASK_ALWAYS_EAGER or settings.TESTING:
        return
    embedded_flusher_ensure_started()

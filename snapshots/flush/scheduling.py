"""Which sessions are flushed.

- ``flush_is_due``: the idle / size / age rule (settings ``LIVE_BUFFER_FLUSH_*``).
- ``live_buffers_flush_due``: flush every due session (``flush_live_buffers`` forces all).

The schedule (``snapshots.tasks.flush_due_live_buffers`` in ``CELERY_BEAT_SCHEDULE``) runs it
under Celery beat, or in-process in embedded mode (``recordings_api.scheduler``). Sessions are
locked one by one, so any number of processes may flush at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings

from snapshots.flush.session import BATCH_SIZE, FlushOutcome, session_buffer_flush, sessions_flush
from snapshots.live_buffer import BufferStats, get_live_buffer
from snapshots.monitoring import flush_outcome_observe

logger = logging.getLogger("snapshots.flush")


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
    due = [
        (ref, stats)
        for ref, stats in buffer.sessions_stats().items()
        if force or flush_is_due(stats, now_ms=now_ms)
    ]
    outcomes: list[FlushOutcome] = []
    for start in range(0, len(due), BATCH_SIZE):
        chunk = due[start : start + BATCH_SIZE]
        for (_ref, stats), outcome in zip(chunk, sessions_flush([ref for ref, _ in chunk]), strict=True):
            outcomes.append(flush_outcome_observe(outcome, stats=stats))
            if progress is not None:
                progress(len(outcomes), len(due), outcome)
    return outcomes


def flush_session_reporting(*, environment_id: int, session_id: str) -> FlushOutcome:
    """Flush one session now, outside the schedule; its outcome is counted and a failure logged."""
    return flush_outcome_observe(session_buffer_flush(environment_id=environment_id, session_id=session_id))

"""Celery tasks of the snapshots app: thin wrappers taking ids and calling one function."""

from __future__ import annotations

from celery import shared_task

from snapshots.flush import live_buffers_flush_due, session_buffer_flush


@shared_task(name="snapshots.tasks.flush_due_live_buffers", ignore_result=True)
def flush_due_live_buffers() -> int:
    """Beat, every 15 s: flush every due session; returns how many were flushed."""
    return sum(outcome.status == "flushed" for outcome in live_buffers_flush_due())


@shared_task(
    name="snapshots.tasks.flush_session",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def flush_session(environment_id: int, session_id: str) -> str:
    """Flush one session now (retried with backoff: a retried flush is safe)."""
    return session_buffer_flush(environment_id=environment_id, session_id=session_id).status

"""Celery tasks of the snapshots app: thin wrappers taking ids and calling one function."""

from __future__ import annotations

from celery import shared_task

from snapshots.flush import live_buffers_flush_due


@shared_task(name="snapshots.tasks.flush_due_live_buffers", ignore_result=True)
def flush_due_live_buffers() -> int:
    """Beat, every 15 s: flush every due session; returns how many were flushed."""
    return sum(outcome.status == "flushed" for outcome in live_buffers_flush_due())

"""Celery tasks of the snapshots app: thin wrappers taking ids and calling one function."""

from __future__ import annotations

from celery import shared_task

from snapshots.aggregation import ingest_log_drain
from snapshots.flush import live_buffers_flush_due

# A drain gives up its turn after this long; the next scheduled one picks up the rest.
DRAIN_MAX_SECONDS = 4.0


@shared_task(name="snapshots.tasks.flush_due_live_buffers", ignore_result=True)
def flush_due_live_buffers() -> int:
    """Scheduled: flush every due session; returns how many were flushed."""
    return sum(outcome.status == "flushed" for outcome in live_buffers_flush_due())


@shared_task(name="snapshots.tasks.drain_ingest_log", ignore_result=True)
def drain_ingest_log() -> int:
    """Scheduled: apply what the ingest log holds (the ``run_aggregator`` processes do the same
    continuously; this keeps a deployment without them, and embedded mode, up to date)."""
    return ingest_log_drain(max_seconds=DRAIN_MAX_SECONDS)

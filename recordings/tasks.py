"""Celery tasks of recordings (thin: ids in, one service call)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from recordings import hooks
from recordings.hooks import recording_data_forget, retryable_errors
from recordings.services import (
    ingested_blocks_prune,
    recording_elements_prune,
    session_recordings_expired_purge_all,
)

RETRY_BACKOFF_MAX_SECONDS = 600
RECORDING_DATA_DELETE = "recordings.tasks.recording_data_delete"


@shared_task(name=RECORDING_DATA_DELETE, bind=True, max_retries=8, acks_late=True)
def recording_data_delete(self: Any, environment_id: int, session_id: str) -> None:
    """Removes a deleted recording's data owned by other apps (blobs, live buffer); retried with
    backoff while their backends are unavailable (the hooks are idempotent)."""
    try:
        recording_data_forget(environment_id=environment_id, session_id=session_id)
    except retryable_errors() as error:
        countdown = min(RETRY_BACKOFF_MAX_SECONDS, 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="recordings.tasks.recording_data_persist", bind=True, max_retries=8, acks_late=True)
def recording_data_persist(self: Any, environment_id: int, session_id: str) -> None:
    """Writes a persisted recording's long-term copies owned by other apps (the v2 copy of its
    snapshots); retried with backoff while their backends are unavailable (idempotent hooks)."""
    try:
        hooks.recording_data_persist(environment_id=environment_id, session_id=session_id)
    except retryable_errors() as error:
        countdown = min(RETRY_BACKOFF_MAX_SECONDS, 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="recordings.tasks.recordings_expired_purge", acks_late=True)
def recordings_expired_purge() -> int:
    """Periodic: deletes every environment's recordings past retention (see the service)."""
    return session_recordings_expired_purge_all()


@shared_task(name="recordings.tasks.ingested_blocks_prune", acks_late=True)
def ingested_blocks_prune_task() -> int:
    """Periodic: forget exactly-once records older than the live buffer's TTL."""
    return ingested_blocks_prune(
        before=timezone.now() - timedelta(seconds=int(settings.LIVE_BUFFER_TTL_SECONDS))
    )


@shared_task(name="recordings.tasks.recording_elements_prune", acks_late=True)
def recording_elements_prune_task() -> int:
    """Periodic: drop the click element index of sessions whose DOM was not re-sent for a while."""
    return recording_elements_prune(
        before=timezone.now() - timedelta(seconds=int(settings.RECORDING_ELEMENT_TTL_SECONDS))
    )

"""Celery tasks of recordings (thin: ids in, one service call)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from recordings.hooks import recording_data_forget, retryable_errors

RETRY_BACKOFF_MAX_SECONDS = 600


@shared_task(bind=True, max_retries=8, acks_late=True)
def recording_data_delete(self: Any, environment_id: int, session_id: str) -> None:
    """Removes a deleted recording's data owned by other apps (blobs, live buffer); retried with
    backoff while their backends are unavailable (the hooks are idempotent)."""
    try:
        recording_data_forget(environment_id=environment_id, session_id=session_id)
    except retryable_errors() as error:
        countdown = min(RETRY_BACKOFF_MAX_SECONDS, 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(acks_late=True)
def recordings_expired_purge() -> int:
    """Periodic: deletes every environment's recordings past retention (see the service)."""
    from recordings.services import session_recordings_expired_purge_all

    return session_recordings_expired_purge_all()

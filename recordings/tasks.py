"""Celery tasks of recordings (thin: ids in, one service call)."""

from __future__ import annotations

from celery import shared_task

from snapshots.live_buffer.base import LiveBufferUnavailable
from snapshots.storage.base import StorageUnavailable


@shared_task(
    autoretry_for=(StorageUnavailable, LiveBufferUnavailable),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def recording_snapshots_delete(environment_id: int, session_id: str) -> None:
    """Removes a deleted recording's blobs and live-buffer lines; retried while storage is down."""
    from snapshots.services import session_snapshots_delete

    session_snapshots_delete(environment_id=environment_id, session_id=session_id)


@shared_task(acks_late=True)
def recordings_expired_purge() -> int:
    """Periodic: deletes every environment's recordings past retention (see the service)."""
    from recordings.services import session_recordings_expired_purge_all

    return session_recordings_expired_purge_all()

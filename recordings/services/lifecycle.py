"""Writes of recordings: persist (LTS), delete (single and bulk), viewed marks.

Deletion contract: in one transaction the session is tombstoned (``DeletedRecording``, so
ingestion drops late data and it never shows again) and its metadata, events and viewed marks are
removed (with its Sentry segments, linked errors, click rows, element index, tags and traces);
after commit a Celery task (``recordings.tasks.recording_data_delete``) asks the apps
owning its snapshot data to forget it (``recordings.hooks``: blobs, the live buffer). Deleting an
already deleted session is a no-op that still succeeds; a session the environment never had
raises ``SessionRecording.DoesNotExist``.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, Value
from django.db.models.functions import TruncDay

from recordings.models import (
    DeletedRecording,
    IngestedBlock,
    RecordingClick,
    RecordingElement,
    RecordingError,
    RecordingTag,
    RecordingTrace,
    ReplaySegment,
    SessionEvent,
    SessionRecording,
    SessionRecordingViewed,
)
from recordings.selectors import (
    session_recordings_expired,
    session_recordings_visible,
)
from recordings_api.models import Environment

logger = logging.getLogger(__name__)


def session_recording_persist(*, recording: SessionRecording) -> SessionRecording:
    """Marks the recording for long-term storage: it outlives retention, ``storage`` becomes LTS.

    After commit a Celery task (``recordings.tasks.recording_data_persist``) asks the apps owning
    its snapshot data to write their long-term copies (``recordings.hooks``), asynchronously like
    deletion: a copy takes a read of every blob, and readers serve the blobs until it exists.
    Idempotent (a copy that is already current is left as it is). A recording deleted meanwhile
    stays deleted (the update matches no row, and the copy is not written).
    """
    if not recording.persisted:
        SessionRecording.objects.filter(pk=recording.pk).update(persisted=True, expires_at=None)
        recording.persisted, recording.expires_at = True, None
        logger.info(
            "recording_persisted",
            extra={"environment_id": recording.environment_id, "session_id": recording.session_id},
        )
    environment_id, session_id = recording.environment_id, recording.session_id
    transaction.on_commit(lambda: _enqueue_data_persist(environment_id, session_id))
    return recording


def session_recordings_expiry_restamp(*, environment: Environment) -> int:
    """Stamps ``expires_at`` again on the recordings that follow ``environment``'s retention
    (no ``retention_period_days`` of their own, not persisted); returns how many rows changed.

    Call it after changing ``session_recording_retention_days`` (``recordings.expiry``): one
    UPDATE, idempotent. Ingestion stamps every recording it writes with its own retention, so
    these are recordings written by other means (imports, the admin, fixtures).
    """
    days = timedelta(days=environment.session_recording_retention_days)
    expiry = ExpressionWrapper(TruncDay("start_time", tzinfo=UTC) + Value(days), output_field=DateTimeField())
    changed = SessionRecording.objects.filter(
        environment=environment, retention_period_days__isnull=True, persisted=False
    ).update(expires_at=expiry)
    logger.info("recordings_expiry_restamped", extra={"environment_id": environment.id, "count": changed})
    return changed


def _enqueue_data_persist(environment_id: int, session_id: str) -> None:
    """Enqueue the long-term copy; never fails the request that persisted (the flag is committed,
    and readers fall back to the blobs). Without a broker the task runs here, in-process."""
    try:  # by name: the task module imports these services, not the other way round
        current_app.tasks["recordings.tasks.recording_data_persist"].delay(environment_id, session_id)
    except Exception as error:
        fields = {"environment_id": environment_id, "session_id": session_id, "error": repr(error)[:300]}
        logger.warning("recording_data_persist_enqueue_failed", extra=fields)


@transaction.atomic
def session_recording_delete(*, environment: Environment, session_id: str, user: Any = None) -> bool:
    """Deletes one recording (see the module contract). True when a recording was removed now."""
    deleted = _sessions_delete(environment=environment, session_ids=[session_id], user=user)
    if (
        not deleted
        and not DeletedRecording.objects.filter(environment=environment, session_id=session_id).exists()
    ):
        raise SessionRecording.DoesNotExist(f"Recording {session_id!r} not found.")
    return bool(deleted)


@transaction.atomic
def session_recordings_bulk_delete(
    *, environment: Environment, session_ids: list[str], user: Any = None
) -> int:
    """Deletes the listed recordings the environment has; unknown ids are skipped. Returns the count."""
    return len(_sessions_delete(environment=environment, session_ids=session_ids, user=user))


def session_recordings_expired_purge(*, environment: Environment, batch_size: int = 500) -> int:
    """Permanently deletes the recordings of ``environment`` past retention; returns how many.

    Each is deleted like DELETE does (tombstone, metadata, events and viewed marks now; blobs and
    live buffer by a Celery task after commit), in transactions of ``batch_size`` recordings so
    a large backlog never holds one long transaction. Persisted (LTS) recordings are kept. The
    API already hides expired recordings; this reclaims their storage.
    """
    purged = 0
    while True:
        session_ids = list(
            session_recordings_expired(environment=environment).values_list("session_id", flat=True)[
                :batch_size
            ]
        )
        if not session_ids:
            break
        with transaction.atomic():
            purged += len(_sessions_delete(environment=environment, session_ids=session_ids, user=None))
    if purged:
        logger.info("recordings_expired_purged", extra={"environment_id": environment.id, "count": purged})
    return purged


def session_recordings_expired_purge_all(*, batch_size: int = 500) -> int:
    """``session_recordings_expired_purge`` for every environment; returns the total."""
    return sum(
        session_recordings_expired_purge(environment=environment, batch_size=batch_size)
        for environment in Environment.objects.order_by("id").iterator()
    )


def _sessions_delete(*, environment: Environment, session_ids: list[str], user: Any) -> list[str]:
    existing = list(
        SessionRecording.objects.filter(environment=environment, session_id__in=session_ids).values_list(
            "session_id", flat=True
        )
    )
    if not existing:
        return []
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    already = set(
        DeletedRecording.objects.filter(environment=environment, session_id__in=existing).values_list(
            "session_id", flat=True
        )
    )
    DeletedRecording.objects.bulk_create(
        [
            DeletedRecording(environment=environment, session_id=sid, deleted_by_id=user_id)
            for sid in existing
            if sid not in already
        ],
        ignore_conflicts=True,
    )
    SessionRecording.objects.filter(environment=environment, session_id__in=existing).delete()
    SessionEvent.objects.filter(environment=environment, session_id__in=existing).delete()
    SessionRecordingViewed.objects.filter(environment=environment, session_id__in=existing).delete()
    IngestedBlock.objects.filter(environment=environment, session_id__in=existing).delete()
    # Sentry segments, linked errors, clicks, the element index, tags and traces of the sessions.
    for model in (
        ReplaySegment,
        RecordingError,
        RecordingClick,
        RecordingElement,
        RecordingTag,
        RecordingTrace,
    ):
        model.objects.filter(environment=environment, session_id__in=existing).delete()
    for session_id in existing:
        transaction.on_commit(lambda sid=session_id: _enqueue_snapshots_delete(environment.id, sid))  # type: ignore[misc]
    logger.info(
        "recordings_deleted",
        extra={"environment_id": environment.id, "session_ids": existing, "user_id": user_id},
    )
    return existing


def _enqueue_snapshots_delete(environment_id: int, session_id: str) -> None:
    # By name: the task module imports these services, not the other way round.
    current_app.tasks["recordings.tasks.recording_data_delete"].delay(environment_id, session_id)


def session_recording_mark_viewed(*, environment: Environment, session_id: str, user: Any) -> None:
    """Records that ``user`` viewed the recording (idempotent)."""
    SessionRecordingViewed.objects.get_or_create(environment=environment, user=user, session_id=session_id)


def session_recordings_bulk_viewed(
    *, environment: Environment, session_ids: list[str], user: Any, viewed: bool
) -> int:
    """Marks (or unmarks) the visible recordings among ``session_ids``; returns how many exist."""
    existing = list(
        session_recordings_visible(environment=environment)
        .filter(session_id__in=session_ids)
        .values_list("session_id", flat=True)
    )
    marks = SessionRecordingViewed.objects.filter(environment=environment, user=user, session_id__in=existing)
    if viewed:
        already = set(marks.values_list("session_id", flat=True))
        SessionRecordingViewed.objects.bulk_create(
            [
                SessionRecordingViewed(environment=environment, user=user, session_id=sid)
                for sid in existing
                if sid not in already
            ],
            ignore_conflicts=True,
        )
    else:
        marks.delete()
    return len(existing)

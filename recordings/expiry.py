"""When a recording expires: the stored ``expires_at`` column and the one rule computing it.

``expires_at`` is midnight UTC of the expiry day: the ``start_time`` day (UTC) plus the
recording's retention (its ``retention_period_days``, else its environment's
``session_recording_retention_days``); NULL when the recording is persisted (LTS: it never
expires). A recording is visible while ``expires_at`` is NULL or later than today's midnight
(UTC): it disappears from every read on its expiry day.

Invariant: every write that changes an input of the rule stamps the column again —
ingestion (``recording_metadata``, ``replays``) on each row it writes, persisting (NULL),
``session_recordings_expiry_restamp`` after an environment's retention changes (rows without a
retention of their own follow it), migration 0008 for rows that existed before the column.
Rows written by other means (fixtures, seeds) call ``expiry_of``/``recording_expiry_stamp``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from recordings.models import SessionRecording
from recordings_api.models import Environment


def expiry_of(*, start_time: datetime, retention_days: int, persisted: bool) -> datetime | None:
    """The ``expires_at`` of a recording with these inputs (see the module docstring)."""
    if persisted:
        return None
    start = start_time.astimezone(UTC)
    return start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=retention_days)


def recording_retention_days(recording: SessionRecording, environment: Environment) -> int:
    return recording.retention_period_days or environment.session_recording_retention_days


def recording_expiry_stamp(recording: SessionRecording, environment: Environment) -> None:
    """Sets ``recording.expires_at`` from its current fields (the caller saves it)."""
    recording.expires_at = expiry_of(
        start_time=recording.start_time,
        retention_days=recording_retention_days(recording, environment),
        persisted=recording.persisted,
    )


def today_start(now: datetime | None = None) -> datetime:
    """Midnight UTC of today: recordings with ``expires_at`` at or before it have expired."""
    moment = (now or timezone.now()).astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)

"""Who viewed a replay (``…/replays/{id}/viewed-by/``, reference §6.11).

The PostHog face's viewed marks (``SessionRecordingViewed``) are the Sentry face's
``replay_viewed`` rows: a view recorded through either face shows in both. Viewers are listed in
the order they first viewed, once each.
"""

from __future__ import annotations

from typing import Any

from recordings.models import SessionRecordingViewed
from recordings.services.lifecycle import session_recording_mark_viewed
from recordings_api.models import Environment, User


def replay_viewers_list(*, environment: Environment, session_id: str) -> list[User]:
    marks = (
        SessionRecordingViewed.objects.filter(environment=environment, session_id=session_id)
        .select_related("user")
        .order_by("created_at", "id")
    )
    return [mark.user for mark in marks]


def replay_viewed_record(*, environment: Environment, session_id: str, user: Any) -> bool:
    """Records that ``user`` viewed the replay; False (nothing done) for no real user, like
    Sentry's answer for someone outside the organization."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    session_recording_mark_viewed(environment=environment, session_id=session_id, user=user)
    return True

"""One replay by its Sentry id, as a recording or as the archive a delete leaves.

Sentry parses replay ids with ``uuid.UUID`` (dashed or not, any case; anything else is a 404)
and answers with 32 lowercase hex. A Sentry replay is stored under its 32-hex id, a posthog-js
recording under its dashed UUID session id: both forms are looked up. A deleted recording is
*archived* (reference §6.5): its tombstone (``DeletedRecording``) keeps its id and project, and
the API serves a fixed placeholder for it; deleting it again is a 404. A recording purged at the
end of its retention is not archived but gone (``recordings.sentry.archived``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from recordings.models import SessionRecording
from recordings.selectors import replay_id_form, session_recordings_visible_in
from recordings.sentry.archived import sentry_archive_tombstones
from recordings.services.lifecycle import session_recording_delete
from recordings_api.models import Environment


@dataclass(frozen=True)
class FoundReplay:
    """A live recording (``recording``) or an archived one (``recording`` None)."""

    environment: Environment
    session_id: str
    recording: SessionRecording | None

    @property
    def replay_id(self) -> str:
        return replay_id_form(self.session_id) or self.session_id

    @property
    def is_archived(self) -> bool:
        return self.recording is None


def replay_id_parse(value: str) -> uuid.UUID | None:
    """The UUID a Sentry replay id names, or None (the endpoints answer 404)."""
    if len(value) > 40:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _candidates(replay_id: uuid.UUID) -> list[str]:
    return [replay_id.hex, str(replay_id)]


def sentry_replay_find(*, environments: Sequence[Environment], replay_id: str) -> FoundReplay | None:
    """The replay ``replay_id`` of one of ``environments``: live first, else archived; else None."""
    parsed = replay_id_parse(replay_id)
    if parsed is None or not environments:
        return None
    candidates = _candidates(parsed)
    by_id = {environment.id: environment for environment in environments}
    recording = (
        session_recordings_visible_in(environments=environments)
        .filter(session_id__in=candidates)
        .order_by("environment_id")
        .first()
    )
    if recording is not None:
        return FoundReplay(by_id[recording.environment_id], recording.session_id, recording)
    tombstone = (
        sentry_archive_tombstones(environments=environments)
        .filter(session_id__in=candidates)
        .order_by("environment_id")
        .first()
    )
    if tombstone is None:
        return None
    return FoundReplay(by_id[tombstone.environment_id], tombstone.session_id, None)


@transaction.atomic
def sentry_replay_delete(*, replay: FoundReplay, user: Any) -> None:
    """Deletes a live replay through the PostHog face's deletion service (tombstone and metadata
    now, blobs and live buffer by a task after commit); the replay is archived from then on."""
    assert replay.recording is not None, "an archived replay cannot be deleted again"
    session_recording_delete(environment=replay.environment, session_id=replay.session_id, user=user)

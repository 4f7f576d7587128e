"""Helpers for the playlists API tests: URLs under both prefixes, the user shape, playlist rows."""

from __future__ import annotations

from typing import Any

import pytest

from playlists.models import SessionRecordingPlaylist, SessionRecordingPlaylistItem
from recordings.models import SessionRecording
from recordings_api.models import Environment, User

PREFIXES = ("projects", "environments")


def playlists_url(environment: Environment, prefix: str = "projects", *parts: str) -> str:
    base = f"/api/{prefix}/{environment.id}/session_recording_playlists/"
    return base + "".join(f"{part}/" for part in parts)


@pytest.fixture(params=PREFIXES)
def prefix(request: pytest.FixtureRequest) -> str:
    """Both route families: ``/api/projects/{id}/`` and ``/api/environments/{id}/``."""
    return str(request.param)


def user_basic(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "uuid": str(user.uuid),
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_email_verified": user.is_email_verified,
        "hedgehog_config": user.hedgehog_config,
        "role_at_organization": user.role_at_organization,
    }


def iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


EMPTY_COUNTS = {
    "collection": {"count": None, "watched_count": 0},
    "saved_filters": {
        "count": None,
        "has_more": None,
        "watched_count": None,
        "increased": None,
        "last_refreshed_at": None,
    },
}


def make_playlist(
    environment: Environment, user: User | None = None, **fields: Any
) -> SessionRecordingPlaylist:
    fields.setdefault("type", SessionRecordingPlaylist.PlaylistType.COLLECTION)
    return SessionRecordingPlaylist.objects.create(
        environment=environment, created_by=user, last_modified_by=user, **fields
    )


def pin(playlist: SessionRecordingPlaylist, *recordings: SessionRecording) -> None:
    for recording in recordings:
        SessionRecordingPlaylistItem.objects.create(playlist=playlist, recording=recording)

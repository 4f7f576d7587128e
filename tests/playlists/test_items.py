"""Pinning and unpinning recordings: ``recordings/{session_recording_id}/``, ``bulk_add``, ``bulk_delete``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist, SessionRecordingPlaylistItem
from recordings.filters.params import MAX_SESSION_IDS
from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, pin, playlists_url

pytestmark = pytest.mark.django_db


def pinned_ids(playlist: SessionRecordingPlaylist) -> list[str]:
    return sorted(playlist.items.values_list("recording__session_id", flat=True))


def test_pin_a_recording_returns_200_is_idempotent_and_persists_it(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    url = playlists_url(environment, prefix, playlist.short_id, "recordings", recording.session_id)

    first = api.post(url)
    second = api.post(url)

    assert (first.status_code, first.json()) == (200, {"success": True})
    assert (second.status_code, second.json()) == (200, {"success": True})
    assert pinned_ids(playlist) == [recording.session_id]
    recording.refresh_from_db()
    assert recording.persisted is True


def test_pin_without_trailing_slash(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    url = playlists_url(environment, "projects", playlist.short_id, "recordings", recording.session_id)

    assert api.post(url.rstrip("/")).status_code == 200
    assert pinned_ids(playlist) == [recording.session_id]


def test_pin_to_a_filters_playlist_is_400(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
    recording = SessionRecordingFactory.create(environment=environment)

    response = api.post(
        playlists_url(environment, "projects", playlist.short_id, "recordings", recording.session_id)
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Cannot add recordings to a playlist that is type 'filters'.",
        "attr": None,
    }
    assert not SessionRecordingPlaylistItem.objects.exists()
    recording.refresh_from_db()
    assert recording.persisted is False


def test_pin_an_unknown_recording_is_404(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)

    response = api.post(
        playlists_url(environment, "projects", playlist.short_id, "recordings", "no-such-session")
    )

    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Recording not found.",
        "attr": None,
    }


def test_pin_another_environments_recording_is_404(
    api: APIClient, environment: Environment, owner: User, other_environment: Environment
) -> None:
    playlist = make_playlist(environment, owner)
    foreign = SessionRecordingFactory.create(environment=other_environment)

    response = api.post(
        playlists_url(environment, "projects", playlist.short_id, "recordings", foreign.session_id)
    )

    assert response.status_code == 404
    assert not SessionRecordingPlaylistItem.objects.exists()
    foreign.refresh_from_db()
    assert foreign.persisted is False


def test_pin_a_deleted_recording_is_404(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    DeletedRecording.objects.create(environment=environment, session_id=recording.session_id)

    response = api.post(
        playlists_url(environment, "projects", playlist.short_id, "recordings", recording.session_id)
    )

    assert response.status_code == 404


def test_unpin_returns_204_and_removes_only_that_item(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(environment, owner)
    keep, drop = (
        SessionRecordingFactory.create(environment=environment),
        SessionRecordingFactory.create(environment=environment),
    )
    pin(playlist, keep, drop)

    response = api.delete(
        playlists_url(environment, prefix, playlist.short_id, "recordings", drop.session_id)
    )

    assert response.status_code == 204
    assert response.content == b""
    assert pinned_ids(playlist) == [keep.session_id]
    drop.refresh_from_db()  # the recording itself stays


@pytest.mark.parametrize("pinned_elsewhere", [False, True])
def test_unpin_what_is_not_pinned_is_404_never_500(
    api: APIClient, environment: Environment, owner: User, pinned_elsewhere: bool
) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    if pinned_elsewhere:
        pin(make_playlist(environment, owner), recording)

    response = api.delete(
        playlists_url(environment, "projects", playlist.short_id, "recordings", recording.session_id)
    )

    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "This recording is not in the playlist.",
        "attr": None,
    }
    assert SessionRecordingPlaylistItem.objects.count() == int(pinned_elsewhere)


def test_unsupported_method_on_an_item_is_405(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    response = api.get(playlists_url(environment, "projects", playlist.short_id, "recordings", "abc"))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_bulk_add_pins_known_recordings_and_reports_the_rest(
    api: APIClient, environment: Environment, owner: User, other_environment: Environment, prefix: str
) -> None:
    playlist = make_playlist(environment, owner)
    already, fresh = (
        SessionRecordingFactory.create(environment=environment),
        SessionRecordingFactory.create(environment=environment),
    )
    foreign = SessionRecordingFactory.create(environment=other_environment)
    pin(playlist, already)
    ids = [already.session_id, fresh.session_id, foreign.session_id, "missing", fresh.session_id]

    response = api.post(
        playlists_url(environment, prefix, playlist.short_id, "recordings", "bulk_add"),
        {"session_recording_ids": ids},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "success": True,
        "added_count": 1,
        "total_requested": 4,
        "not_found": [foreign.session_id, "missing"],
    }
    assert pinned_ids(playlist) == sorted([already.session_id, fresh.session_id])
    fresh.refresh_from_db()
    foreign.refresh_from_db()
    assert (fresh.persisted, foreign.persisted) == (True, False)


def test_bulk_add_to_a_filters_playlist_is_400(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
    recording = SessionRecordingFactory.create(environment=environment)

    response = api.post(
        playlists_url(environment, "projects", playlist.short_id, "recordings", "bulk_add"),
        {"session_recording_ids": [recording.session_id]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot add recordings to a playlist that is type 'filters'."
    assert not SessionRecordingPlaylistItem.objects.exists()


def test_bulk_delete_unpins_and_ignores_unpinned_ids(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(environment, owner)
    first, second, third = (SessionRecordingFactory.create(environment=environment) for _ in range(3))
    pin(playlist, first, second, third)

    response = api.post(
        playlists_url(environment, prefix, playlist.short_id, "recordings", "bulk_delete"),
        {"session_recording_ids": [first.session_id, third.session_id, "never-pinned"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"success": True, "deleted_count": 2, "total_requested": 3}
    assert pinned_ids(playlist) == [second.session_id]


def test_bulk_delete_cannot_touch_another_environments_items(
    api: APIClient, environment: Environment, owner: User, other_environment: Environment, outsider: User
) -> None:
    mine = make_playlist(environment, owner)
    theirs = make_playlist(other_environment, outsider)
    foreign = SessionRecordingFactory.create(environment=other_environment)
    pin(theirs, foreign)

    response = api.post(
        playlists_url(environment, "projects", mine.short_id, "recordings", "bulk_delete"),
        {"session_recording_ids": [foreign.session_id]},
        format="json",
    )

    assert response.json()["deleted_count"] == 0
    assert pinned_ids(theirs) == [foreign.session_id]


@pytest.mark.parametrize("action", ["bulk_add", "bulk_delete"])
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "This field is required."),
        ({"session_recording_ids": []}, "Ensure this field has at least 1 elements."),
        ({"session_recording_ids": "abc"}, 'Expected a list of items but got type "str".'),
        (
            {"session_recording_ids": [f"s{i}" for i in range(21)]},
            "Ensure this field has no more than 20 elements.",
        ),
        ({"session_recording_ids": ["x" * 201]}, "Ensure this field has no more than 200 characters."),
        ({"session_recording_ids": [None]}, "This field may not be null."),
    ],
)
def test_bulk_input_is_validated(
    api: APIClient, environment: Environment, owner: User, action: str, body: dict[str, Any], detail: str
) -> None:
    playlist = make_playlist(environment, owner)

    response = api.post(
        playlists_url(environment, "projects", playlist.short_id, "recordings", action), body, format="json"
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"].startswith("session_recording_ids")
    assert response.json()["detail"] == detail


def test_a_collection_is_capped_at_the_listing_bound(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner)
    recordings = SessionRecording.objects.bulk_create(
        SessionRecordingFactory.build_batch(MAX_SESSION_IDS + 1, environment=environment)
    )
    SessionRecordingPlaylistItem.objects.bulk_create(
        SessionRecordingPlaylistItem(playlist=playlist, recording=recording) for recording in recordings[:-1]
    )
    base = playlists_url(environment, "projects", playlist.short_id, "recordings")

    again = api.post(f"{base}{recordings[0].session_id}/")
    over = api.post(f"{base}{recordings[-1].session_id}/")
    bulk_over = api.post(
        f"{base}bulk_add/", {"session_recording_ids": [recordings[-1].session_id]}, format="json"
    )

    assert again.status_code == 200
    assert over.status_code == 400
    assert (
        over.json()["detail"] == f"A collection holds at most {MAX_SESSION_IDS} recordings; unpin some first."
    )
    assert bulk_over.status_code == 400
    assert playlist.items.count() == MAX_SESSION_IDS


def test_deleting_a_recording_unpins_it(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    pin(playlist, recording)

    response = api.delete(f"/api/projects/{environment.id}/session_recordings/{recording.session_id}/")

    assert response.status_code == 204
    assert not playlist.items.exists()


def test_an_expired_recording_cannot_be_pinned(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    long_ago = timezone.now() - timedelta(days=400)
    recording = SessionRecordingFactory.create(
        environment=environment, start_time=long_ago, end_time=long_ago + timedelta(minutes=1)
    )

    response = api.post(
        playlists_url(environment, "projects", playlist.short_id, "recordings", recording.session_id)
    )

    assert response.status_code == 404

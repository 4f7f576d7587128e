"""``GET …/session_recording_playlists/{short_id}/recordings/``: the recordings list of a playlist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from recordings.models import SessionRecording
from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, pin, playlists_url

pytestmark = pytest.mark.django_db

LIST_KEYS = {
    "count",
    "count_is_estimate",
    "next",
    "previous",
    "has_next",
    "results",
    "version",
    "next_cursor",
}


def recording_at(environment: Environment, *, days_ago: float = 0, **fields: Any) -> SessionRecording:
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago, hours=1)
    return SessionRecordingFactory.create(
        environment=environment, start_time=start, end_time=start + timedelta(minutes=2), **fields
    )


def listed(
    api: APIClient,
    environment: Environment,
    playlist: SessionRecordingPlaylist,
    prefix: str = "projects",
    **params: str | int,
) -> dict[str, Any]:
    response = api.get(playlists_url(environment, prefix, playlist.short_id, "recordings"), params)
    assert response.status_code == 200, response.json()
    assert set(response.json()) == LIST_KEYS
    return response.json()


def test_a_collection_lists_its_pinned_recordings_newest_pin_first_whatever_their_age(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(environment, owner)
    old = recording_at(environment, days_ago=20)
    recent = recording_at(environment)
    recording_at(environment)  # not pinned
    pin(playlist, old)
    pin(playlist, recent)

    body = listed(api, environment, playlist, prefix, date_from="-1d")

    assert [row["id"] for row in body["results"]] == [recent.session_id, old.session_id]
    assert (body["count"], body["has_next"], body["next"], body["previous"], body["version"]) == (
        2,
        False,
        None,
        None,
        4,
    )
    first = body["results"][0]
    assert (first["distinct_id"], first["click_count"], first["start_url"]) == (
        recent.distinct_id,
        recent.click_count,
        recent.start_url,
    )


def test_a_collection_paginates(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    recordings = [recording_at(environment) for _ in range(3)]
    pin(playlist, *recordings)

    body = listed(api, environment, playlist, limit=2)

    assert body["count"] == 3
    assert body["has_next"] is True
    assert len(body["results"]) == 2


def test_an_empty_collection_lists_nothing(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    recording_at(environment)

    body = listed(api, environment, playlist)

    assert (body["count"], body["results"]) == (0, [])


def test_a_collection_cannot_be_widened_with_session_ids(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner)
    pinned, other = recording_at(environment), recording_at(environment)
    pin(playlist, pinned)

    body = listed(api, environment, playlist, session_ids=f'["{other.session_id}"]')

    assert [row["id"] for row in body["results"]] == [pinned.session_id]


def test_a_filters_playlist_lists_what_its_filters_match(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(
        environment, owner, type="filters", filters={"date_from": "-3d", "query": "click_count:>5"}
    )
    match = recording_at(environment, click_count=9)
    recording_at(environment, click_count=1)  # too few clicks
    recording_at(environment, days_ago=10, click_count=9)  # too old

    body = listed(api, environment, playlist, prefix)

    assert [row["id"] for row in body["results"]] == [match.session_id]


def test_stored_filters_take_precedence_over_request_parameters(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-3d"})
    recent = recording_at(environment)
    recording_at(environment, days_ago=10)

    body = listed(api, environment, playlist, date_from="-30d")

    assert [row["id"] for row in body["results"]] == [recent.session_id]


def test_other_environments_recordings_never_appear(
    api: APIClient, environment: Environment, owner: User, other_environment: Environment
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-3d"})
    mine = recording_at(environment)
    recording_at(other_environment)

    body = listed(api, environment, playlist)

    assert [row["id"] for row in body["results"]] == [mine.session_id]


@pytest.mark.parametrize(
    ("params", "attr"),
    [({"limit": "ten"}, "limit"), ({"order": "sideways"}, "order"), ({"bogus": "1"}, "bogus")],
)
def test_invalid_recordings_parameters_are_400(
    api: APIClient, environment: Environment, owner: User, params: dict[str, str], attr: str
) -> None:
    playlist = make_playlist(environment, owner)

    response = api.get(playlists_url(environment, "projects", playlist.short_id, "recordings"), params)

    assert response.status_code == 400
    assert response.json()["attr"] == attr


def test_filters_the_recordings_list_rejects_are_rejected_when_saved(
    api: APIClient, environment: Environment
) -> None:
    response = api.post(
        playlists_url(environment),
        {"type": "filters", "filters": {"date_from": "last week"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["attr"] == "filters__date_from"
    assert not SessionRecordingPlaylist.objects.exists()


def test_filters_are_validated_on_update_too(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-3d"})

    response = api.patch(
        playlists_url(environment, "projects", playlist.short_id),
        {"filters": {"query": "click_count:>>"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["attr"].startswith("filters")
    playlist.refresh_from_db()
    assert playlist.filters == {"date_from": "-3d"}

"""Inputs a careless or hostile integrator sends: every one is a 4xx in the error shape, never a 500.

NUL characters matter on PostgreSQL, which refuses them in text and JSONB values; path
segments reach the database as lookups, so they are checked here through the URLs.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, pin, playlists_url

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"type", "code", "detail", "attr"}


def test_a_nul_in_a_playlist_short_id_is_404(api: APIClient, environment: Environment) -> None:
    response = api.get(playlists_url(environment, "projects", "ab%00cd"))

    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_nul_in_a_pinned_session_id_is_404(
    api: APIClient, environment: Environment, owner: User, method: str
) -> None:
    playlist = make_playlist(environment, owner)

    response = getattr(api, method)(
        playlists_url(environment, "projects", playlist.short_id, "recordings", "a%00b")
    )

    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS


def test_a_nul_in_bulk_session_ids_is_400(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    url = playlists_url(environment, "projects", playlist.short_id, "recordings", "bulk_add")

    response = api.post(url, {"session_recording_ids": ["a\x00b"]}, format="json")

    assert response.status_code == 400
    assert response.json()["attr"] == "session_recording_ids__0"


@pytest.mark.parametrize(
    "filters",
    [
        {"events": [{"id": "a\x00b", "type": "events"}]},
        {"date_from": "-7d", "a\x00": 1},
    ],
)
def test_a_nul_in_filters_is_400(api: APIClient, environment: Environment, filters: dict[str, Any]) -> None:
    response = api.post(playlists_url(environment), {"type": "filters", "filters": filters}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["attr"].startswith("filters")


def test_a_recordings_list_with_a_huge_offset_is_empty(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner)
    pin(playlist, SessionRecordingFactory.create(environment=environment))

    response = api.get(
        playlists_url(environment, "projects", playlist.short_id, "recordings"), {"offset": "9" * 30}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["results"], body["has_next"], body["next"]) == ([], False, None)
    assert body["count"] == 1  # the page is past the end; the list itself is not empty


def test_deeply_nested_filters_are_400(api: APIClient, environment: Environment) -> None:
    filters: object = {"date_from": "-7d"}
    for _ in range(300):
        filters = {"a": filters}

    response = api.post(playlists_url(environment), {"type": "filters", "filters": filters}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "filters must not nest deeper than 32 levels.",
        "attr": "filters",
    }

"""``POST …/{short_id}/playlist_viewed/`` and playlists storing PostHog's UI filter format
(``filter_group``): stored as sent, evaluated as the recordings parameters they translate to."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist, SessionRecordingPlaylistViewed
from playlists.saved_filters import saved_filters_match_refresh
from recordings.filters.universal import universal_filters_to_params
from recordings_api.models import Environment, User
from tests.playlists.conftest import make_playlist, playlists_url
from tests.recordings.conftest import Dataset, _alpha, _beta, _gamma, make_recording

UI_FILTERS: dict[str, Any] = {
    "date_from": "-30d",
    "date_to": None,
    "duration": [{"type": "recording", "key": "duration", "value": 60, "operator": "gt"}],
    "filter_test_accounts": False,
    "order": "start_time",
    "filter_group": {
        "type": "AND",
        "values": [
            {
                "type": "AND",
                "values": [
                    {"id": "$pageview", "name": "$pageview", "type": "events", "order": 0},
                    {"key": "email", "type": "person", "operator": "icontains", "value": ["example.com"]},
                ],
            }
        ],
    },
    "_ui_state": {"collapsed": True},
}


@pytest.fixture
def dataset(environment: Environment, other_environment: Environment) -> Dataset:
    """The recordings tests' three recordings (alpha matches the UI filters below, 120 s long)."""
    now = timezone.now()
    other = make_recording(other_environment, session_id="other-session", start=now, duration=120, active=60)
    return Dataset(_alpha(environment, now), _beta(environment, now), _gamma(environment, now), other)


def test_playlist_viewed_records_a_view(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(environment, owner)

    response = api.post(playlists_url(environment, prefix, playlist.short_id, "playlist_viewed"))

    assert response.status_code == 200
    assert response.json() == {"success": True}
    view = SessionRecordingPlaylistViewed.objects.get()
    assert (view.playlist_id, view.user_id, view.environment_id) == (playlist.id, owner.id, environment.id)


def test_playlist_viewed_of_a_deleted_or_foreign_playlist_is_404(
    api: APIClient, environment: Environment, other_environment: Environment, owner: User
) -> None:
    deleted = make_playlist(environment, owner, deleted=True)
    theirs = make_playlist(other_environment)

    assert (
        api.post(playlists_url(environment, "projects", deleted.short_id, "playlist_viewed")).status_code
        == 404
    )
    assert (
        api.post(playlists_url(environment, "projects", theirs.short_id, "playlist_viewed")).status_code
        == 404
    )
    assert not SessionRecordingPlaylistViewed.objects.exists()


def test_ui_filters_are_stored_as_sent_and_list_what_they_mean(
    api: APIClient, environment: Environment, dataset: Dataset
) -> None:
    created = api.post(
        playlists_url(environment),
        {"type": "filters", "name": "Shoppers", "filters": UI_FILTERS},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["filters"] == UI_FILTERS
    listed = api.get(playlists_url(environment, "projects", created.json()["short_id"], "recordings"))
    # events $pageview AND person email ~ example.com AND duration > 60 s: only alpha (120 s).
    assert [row["id"] for row in listed.json()["results"]] == ["alpha-session"]


def test_the_saved_filters_refresh_reads_ui_filters(
    environment: Environment, owner: User, dataset: Dataset
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters=UI_FILTERS)

    match = saved_filters_match_refresh(playlist_id=playlist.id)

    assert match is not None and match.session_ids == ["alpha-session"]


def test_or_groups_and_every_kind_of_filter_translate() -> None:
    filters = {
        "filter_group": {
            "type": "OR",
            "values": [
                {"type": "OR", "values": [{"id": 7, "type": "actions"}]},
                {"key": "console_log_level", "type": "log_entry", "operator": "exact", "value": ["error"]},
                {"key": "visited_page", "type": "recording", "operator": "icontains", "value": "/cart"},
                {"key": "snapshot_source", "type": "recording", "operator": "exact", "value": ["web"]},
                {"key": "comment_text", "type": "recording", "operator": "icontains", "value": "bug"},
                {"key": "selector", "type": "element", "operator": "exact", "value": "button.buy"},
            ],
        },
        "order_direction": "ASC",
        "unknown": "kept in storage, ignored here",
    }

    assert universal_filters_to_params(filters) == {
        "operand": "OR",
        "order_direction": "ASC",
        "actions": [{"id": 7, "type": "actions"}],
        "console_log_filters": [
            {"key": "console_log_level", "type": "log_entry", "operator": "exact", "value": ["error"]}
        ],
        "events": [
            {
                "id": "$pageview",
                "type": "events",
                "properties": [
                    {"type": "event", "key": "$current_url", "operator": "icontains", "value": "/cart"}
                ],
            }
        ],
        "having_predicates": [
            {"key": "snapshot_source", "type": "recording", "operator": "exact", "value": ["web"]}
        ],
        "comment_text": {"key": "comment_text", "type": "recording", "operator": "icontains", "value": "bug"},
        "properties": [{"key": "selector", "type": "element", "operator": "exact", "value": "button.buy"}],
    }


@pytest.mark.parametrize(
    "filter_group",
    [
        "AND",
        {"type": "AND", "values": "x"},
        {"type": "AND", "values": ["not an object"]},
        {
            "type": "AND",
            "values": [{"key": "email", "type": "person", "operator": "frobnicate", "value": "x"}],
        },
    ],
)
def test_malformed_ui_filters_are_400(api: APIClient, environment: Environment, filter_group: Any) -> None:
    response = api.post(
        playlists_url(environment),
        {"type": "filters", "filters": {"filter_group": filter_group}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"].startswith("filters")
    assert not SessionRecordingPlaylist.objects.exists()

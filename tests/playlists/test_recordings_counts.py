"""``recordings_counts`` and the periodic refresh of saved filters counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from config.celery import app as celery_app
from playlists.models import SavedFiltersMatch, SessionRecordingPlaylist
from playlists.saved_filters import SAVED_FILTERS_MATCH_LIMIT
from playlists.tasks import refresh_playlist_saved_filters_count, refresh_saved_filters_counts
from recordings.models import SessionRecording, SessionRecordingViewed
from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import iso, make_playlist, pin, playlists_url

pytestmark = pytest.mark.django_db

NULL_SAVED_FILTERS = {
    "count": None,
    "has_more": None,
    "watched_count": None,
    "increased": None,
    "last_refreshed_at": None,
}


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run enqueued tasks in-process: the fan-out must never reach a real broker from a test."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def counts(api: APIClient, environment: Environment, playlist: SessionRecordingPlaylist) -> dict[str, Any]:
    response = api.get(playlists_url(environment, "projects", playlist.short_id))
    assert response.status_code == 200
    return response.json()["recordings_counts"]


def viewed(environment: Environment, user: User, *recordings: SessionRecording) -> None:
    for recording in recordings:
        SessionRecordingViewed.objects.create(
            environment=environment, user=user, session_id=recording.session_id
        )


def test_collection_counts_pinned_and_watched_per_user(
    api: APIClient,
    environment: Environment,
    owner: User,
    teammate: User,
    key_client: Callable[..., APIClient],
) -> None:
    playlist = make_playlist(environment, owner)
    first, second, _ = (SessionRecordingFactory.create(environment=environment) for _ in range(3))
    pin(playlist, first, second)
    viewed(environment, owner, first)
    viewed(environment, teammate, first, second)

    assert counts(api, environment, playlist) == {
        "collection": {"count": 2, "watched_count": 1},
        "saved_filters": NULL_SAVED_FILTERS,
    }
    teammate_client = key_client(["session_recording_playlist:read"], user=teammate)
    assert counts(teammate_client, environment, playlist)["collection"] == {"count": 2, "watched_count": 2}


def test_views_in_another_environment_do_not_count(
    api: APIClient, environment: Environment, owner: User, other_environment: Environment
) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    pin(playlist, recording)
    SessionRecordingViewed.objects.create(
        environment=other_environment, user=owner, session_id=recording.session_id
    )

    assert counts(api, environment, playlist)["collection"] == {"count": 1, "watched_count": 0}


def test_saved_filters_counts_after_a_refresh(
    api: APIClient, environment: Environment, owner: User, eager_celery: None
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"query": "click_count:>5"})
    clicky = [SessionRecordingFactory.create(environment=environment, click_count=9) for _ in range(3)]
    SessionRecordingFactory.create(environment=environment, click_count=1)
    viewed(environment, owner, clicky[0])
    assert counts(api, environment, playlist)["saved_filters"] == NULL_SAVED_FILTERS

    assert refresh_saved_filters_counts.apply().get() == 1

    match = SavedFiltersMatch.objects.get(playlist=playlist)
    assert sorted(match.session_ids) == sorted(r.session_id for r in clicky)
    assert counts(api, environment, playlist) == {
        "collection": {"count": None, "watched_count": 0},
        "saved_filters": {
            "count": 3,
            "has_more": False,
            "watched_count": 1,
            "increased": False,
            "last_refreshed_at": iso(match.refreshed_at),
        },
    }


def test_increased_compares_with_the_previous_refresh(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"query": "click_count:>5"})
    SessionRecordingFactory.create(environment=environment, click_count=9)
    refresh_playlist_saved_filters_count.apply(args=[playlist.id])

    SessionRecordingFactory.create(environment=environment, click_count=9)
    refresh_playlist_saved_filters_count.apply(args=[playlist.id])
    grown = counts(api, environment, playlist)["saved_filters"]

    refresh_playlist_saved_filters_count.apply(args=[playlist.id])
    steady = counts(api, environment, playlist)["saved_filters"]

    assert (grown["count"], grown["increased"]) == (2, True)
    assert (steady["count"], steady["increased"]) == (2, False)


def test_has_more_when_the_filters_match_more_than_the_stored_bound(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
    SessionRecording.objects.bulk_create(
        SessionRecordingFactory.build_batch(SAVED_FILTERS_MATCH_LIMIT + 1, environment=environment)
    )

    refresh_playlist_saved_filters_count.apply(args=[playlist.id])

    saved = counts(api, environment, playlist)["saved_filters"]
    assert (saved["count"], saved["has_more"]) == (SAVED_FILTERS_MATCH_LIMIT, True)


def test_the_periodic_task_refreshes_only_live_filters_playlists_that_are_due(
    environment: Environment, owner: User, eager_celery: None
) -> None:
    due = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
    fresh = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
    stale = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
    make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"}, deleted=True)
    make_playlist(environment, owner)  # a collection
    fresh_at = timezone.now() - timedelta(seconds=30)
    SavedFiltersMatch.objects.create(playlist=fresh, refreshed_at=fresh_at)
    long_ago = timezone.now() - timedelta(hours=1)
    SavedFiltersMatch.objects.create(playlist=stale, refreshed_at=long_ago)

    assert refresh_saved_filters_counts.apply().get() == 2

    refreshed_at = dict(SavedFiltersMatch.objects.values_list("playlist_id", "refreshed_at"))
    assert set(refreshed_at) == {due.id, fresh.id, stale.id}
    assert refreshed_at[fresh.id] == fresh_at
    assert refreshed_at[stale.id] > fresh_at
    assert refreshed_at[due.id] > fresh_at


def test_saved_filters_are_hidden_while_a_playlist_has_pinned_recordings(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    pin(playlist, recording)
    SavedFiltersMatch.objects.create(playlist=playlist, session_ids=["x"], refreshed_at=timezone.now())

    assert counts(api, environment, playlist) == {
        "collection": {"count": 1, "watched_count": 0},
        "saved_filters": NULL_SAVED_FILTERS,
    }


def test_changing_the_filters_forgets_the_stale_counts(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
    SavedFiltersMatch.objects.create(playlist=playlist, session_ids=["a"], refreshed_at=timezone.now())

    response = api.patch(
        playlists_url(environment, "projects", playlist.short_id),
        {"filters": {"date_from": "-1d"}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["recordings_counts"]["saved_filters"] == NULL_SAVED_FILTERS
    assert not SavedFiltersMatch.objects.exists()


def test_creating_a_filters_playlist_enqueues_its_first_refresh(
    api: APIClient,
    environment: Environment,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    eager_celery: None,
) -> None:
    SessionRecordingFactory.create(environment=environment)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(
            playlists_url(environment), {"type": "filters", "filters": {"date_from": "-7d"}}, format="json"
        )

    assert response.status_code == 201
    assert len(callbacks) == 1
    assert SavedFiltersMatch.objects.get().count == 1


def test_a_refresh_of_invalid_stored_filters_is_skipped(environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "not a date"})

    refresh_playlist_saved_filters_count.apply(args=[playlist.id])

    assert not SavedFiltersMatch.objects.exists()


def test_list_counts_cost_a_fixed_number_of_queries(
    api: APIClient, environment: Environment, owner: User
) -> None:
    def list_queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert api.get(playlists_url(environment)).status_code == 200
        return len(context.captured_queries)

    def add_playlists() -> None:
        collection = make_playlist(environment, owner)
        pin(collection, SessionRecordingFactory.create(environment=environment))
        saved = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})
        SavedFiltersMatch.objects.create(playlist=saved, session_ids=["a", "b"], refreshed_at=timezone.now())

    add_playlists()
    list_queries()  # the key's first use records last_used_at
    small = list_queries()
    for _ in range(4):
        add_playlists()

    assert list_queries() == small


def test_reads_never_refresh_counts(api: APIClient, environment: Environment, owner: User) -> None:
    """Counts are the schedule's job (beat, or the embedded scheduler), never a read's."""
    playlist = make_playlist(environment, owner, type="filters", filters={"query": "click_count:>5"})
    SessionRecordingFactory.create(environment=environment, click_count=9)

    assert counts(api, environment, playlist)["saved_filters"] == NULL_SAVED_FILTERS
    assert api.get(playlists_url(environment)).status_code == 200
    assert not SavedFiltersMatch.objects.exists()

"""List filters and ordering of ``GET …/session_recording_playlists/``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from playlists.models import SessionRecordingPlaylist
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, pin, playlists_url

pytestmark = pytest.mark.django_db


def short_ids(api, environment, **params):
    response = api.get(playlists_url(environment), params)
    assert response.status_code == 200, response.json()
    return [playlist["short_id"] for playlist in response.json()["results"]]


def age(playlist: SessionRecordingPlaylist, **delta) -> None:
    SessionRecordingPlaylist.objects.filter(id=playlist.id).update(
        last_modified_at=timezone.now() - timedelta(**delta)
    )


@pytest.fixture
def catalogue(environment, owner, teammate):
    mine = make_playlist(environment, owner, name="Checkout errors", pinned=True)
    theirs = make_playlist(
        environment,
        teammate,
        name=None,
        derived_name="Rage clicks on checkout",
        type="filters",
        filters={"a": 1},
    )
    old = make_playlist(environment, owner, name="archive")
    age(mine, hours=1)
    age(theirs, days=2)
    age(old, days=40)
    return {"mine": mine.short_id, "theirs": theirs.short_id, "old": old.short_id}


def test_default_order_is_most_recently_modified_first(api, environment, catalogue):
    assert short_ids(api, environment) == [catalogue["mine"], catalogue["theirs"], catalogue["old"]]


def test_created_by(api, environment, teammate, catalogue):
    assert short_ids(api, environment, created_by=teammate.id) == [catalogue["theirs"]]


def test_user_true_keeps_my_playlists(api, environment, catalogue):
    assert short_ids(api, environment, user="true") == [catalogue["mine"], catalogue["old"]]
    assert len(short_ids(api, environment, user="false")) == 3


def test_type(api, environment, catalogue):
    assert short_ids(api, environment, type="filters") == [catalogue["theirs"]]
    assert short_ids(api, environment, type="collection") == [catalogue["mine"], catalogue["old"]]


def test_pinned(api, environment, catalogue):
    assert short_ids(api, environment, pinned="true") == [catalogue["mine"]]
    assert short_ids(api, environment, pinned="false") == [catalogue["theirs"], catalogue["old"]]


def test_search_matches_name_and_derived_name_case_insensitively(api, environment, catalogue):
    assert short_ids(api, environment, search="CHECKOUT") == [catalogue["mine"], catalogue["theirs"]]
    assert short_ids(api, environment, search="nothing") == []


def test_date_from_and_date_to_on_last_modified(api, environment, catalogue):
    assert short_ids(api, environment, date_from="-3d") == [catalogue["mine"], catalogue["theirs"]]
    assert short_ids(api, environment, date_to="-1d") == [catalogue["theirs"], catalogue["old"]]
    assert short_ids(api, environment, date_from="-3d", date_to="-1d") == [catalogue["theirs"]]
    absolute = (timezone.now() - timedelta(days=10)).date().isoformat()
    assert short_ids(api, environment, date_to=absolute) == [catalogue["old"]]


def test_session_recording_id(api, environment, owner, catalogue):
    recording = SessionRecordingFactory.create(environment=environment)
    pin(SessionRecordingPlaylist.objects.get(short_id=catalogue["old"]), recording)

    assert short_ids(api, environment, session_recording_id=recording.session_id) == [catalogue["old"]]


def test_short_id(api, environment, catalogue):
    assert short_ids(api, environment, short_id=catalogue["theirs"]) == [catalogue["theirs"]]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("last_modified_at", ["old", "theirs", "mine"]),
        ("-last_modified_at", ["mine", "theirs", "old"]),
        ("created_at", ["mine", "theirs", "old"]),
        ("-created_at", ["old", "theirs", "mine"]),
        # name is case-insensitive and falls back to the derived name
        ("name", ["old", "mine", "theirs"]),
        ("-name", ["theirs", "mine", "old"]),
    ],
)
def test_order(api, environment, catalogue, order, expected):
    assert short_ids(api, environment, order=order) == [catalogue[key] for key in expected]


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"order": "deleted"}, "order"),
        ({"order": "environment__api_token"}, "order"),
        ({"type": "static"}, "type"),
        ({"created_by": "alice"}, "created_by"),
        ({"created_by": "0"}, "created_by"),
        ({"created_by": str(2**64)}, "created_by"),
        ({"pinned": "sometimes"}, "pinned"),
        ({"user": "me"}, "user"),
        ({"date_from": "last tuesday"}, "date_from"),
        ({"date_to": "2024-13-45"}, "date_to"),
        ({"date_from": "-7dStart"}, "date_from"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"session_recording_id": "x" * 201}, "session_recording_id"),
    ],
)
def test_invalid_list_parameters_are_400(api, environment, catalogue, params, attr):
    response = api.get(playlists_url(environment), params)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == attr

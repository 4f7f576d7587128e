"""List filters and ordering of ``GET …/session_recording_playlists/``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, pin, playlists_url

pytestmark = pytest.mark.django_db


def short_ids(api: APIClient, environment: Environment, **params: str | int) -> list[str]:
    response = api.get(playlists_url(environment), params)
    assert response.status_code == 200, response.json()
    return [playlist["short_id"] for playlist in response.json()["results"]]


def age(playlist: SessionRecordingPlaylist, **delta: float) -> None:
    SessionRecordingPlaylist.objects.filter(id=playlist.id).update(
        last_modified_at=timezone.now() - timedelta(**delta)
    )


@pytest.fixture
def catalogue(environment: Environment, owner: User, teammate: User) -> dict[str, str]:
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


def test_default_order_is_most_recently_modified_first(
    api: APIClient, environment: Environment, catalogue: dict[str, str]
) -> None:
    assert short_ids(api, environment) == [catalogue["mine"], catalogue["theirs"], catalogue["old"]]


def test_created_by(
    api: APIClient, environment: Environment, teammate: User, catalogue: dict[str, str]
) -> None:
    assert short_ids(api, environment, created_by=teammate.id) == [catalogue["theirs"]]


def test_user_true_keeps_my_playlists(
    api: APIClient, environment: Environment, catalogue: dict[str, str]
) -> None:
    assert short_ids(api, environment, user="true") == [catalogue["mine"], catalogue["old"]]
    assert len(short_ids(api, environment, user="false")) == 3


def test_type(api: APIClient, environment: Environment, catalogue: dict[str, str]) -> None:
    assert short_ids(api, environment, type="filters") == [catalogue["theirs"]]
    assert short_ids(api, environment, type="collection") == [catalogue["mine"], catalogue["old"]]


def test_pinned(api: APIClient, environment: Environment, catalogue: dict[str, str]) -> None:
    assert short_ids(api, environment, pinned="true") == [catalogue["mine"]]
    assert short_ids(api, environment, pinned="false") == [catalogue["theirs"], catalogue["old"]]


def test_search_matches_name_and_derived_name_case_insensitively(
    api: APIClient, environment: Environment, catalogue: dict[str, str]
) -> None:
    assert short_ids(api, environment, search="CHECKOUT") == [catalogue["mine"], catalogue["theirs"]]
    assert short_ids(api, environment, search="nothing") == []


def test_date_from_and_date_to_on_last_modified(
    api: APIClient, environment: Environment, catalogue: dict[str, str]
) -> None:
    assert short_ids(api, environment, date_from="-3d") == [catalogue["mine"], catalogue["theirs"]]
    assert short_ids(api, environment, date_to="-1d") == [catalogue["theirs"], catalogue["old"]]
    assert short_ids(api, environment, date_from="-3d", date_to="-1d") == [catalogue["theirs"]]
    absolute = (timezone.now() - timedelta(days=10)).date().isoformat()
    assert short_ids(api, environment, date_to=absolute) == [catalogue["old"]]


def test_session_recording_id(
    api: APIClient, environment: Environment, owner: User, catalogue: dict[str, str]
) -> None:
    recording = SessionRecordingFactory.create(environment=environment)
    pin(SessionRecordingPlaylist.objects.get(short_id=catalogue["old"]), recording)

    assert short_ids(api, environment, session_recording_id=recording.session_id) == [catalogue["old"]]


def test_short_id(api: APIClient, environment: Environment, catalogue: dict[str, str]) -> None:
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
def test_order(
    api: APIClient, environment: Environment, catalogue: dict[str, str], order: str, expected: list[str]
) -> None:
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
def test_invalid_list_parameters_are_400(
    api: APIClient, environment: Environment, catalogue: dict[str, str], params: dict[str, str], attr: str
) -> None:
    response = api.get(playlists_url(environment), params)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == attr

"""Mistyped body values are a 400 naming the field, in JSON and in form bodies, instead of DRF's
coercion (``0`` → false, ``0`` → ``"0"``, an empty form value read as "not sent")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, playlists_url

FORM = "application/x-www-form-urlencoded"


def _send(api: APIClient, path: str, body: dict[str, Any], encoding: str, method: str = "patch") -> Any:
    send = getattr(api, method)
    if encoding == "json":
        return send(path, body, format="json")
    if encoding == "multipart":
        return send(path, body, format="multipart")
    return send(path, urlencode(body), content_type=FORM)


@pytest.mark.parametrize(
    ("body", "encoding", "attr"),
    [
        ({"deleted": 0}, "json", "deleted"),
        ({"deleted": "false"}, "json", "deleted"),
        ({"name": 7}, "json", "name"),
        ({"deleted": "0"}, "urlencoded", "deleted"),
        ({"pinned": "1"}, "multipart", "pinned"),
    ],
)
def test_a_mistyped_playlist_field_is_400_and_changes_nothing(
    api: APIClient, environment: Environment, owner: User, body: dict[str, Any], encoding: str, attr: str
) -> None:
    playlist = make_playlist(environment, owner, name="Kept")

    response = _send(api, playlists_url(environment, "projects", playlist.short_id), body, encoding)

    assert response.status_code == 400
    assert (response.json()["type"], response.json()["attr"]) == ("validation_error", attr)
    playlist.refresh_from_db()
    assert (playlist.name, playlist.deleted, playlist.pinned) == ("Kept", False, False)


@pytest.mark.parametrize("encoding", ["json", "urlencoded", "multipart"])
def test_well_typed_values_still_pass_in_every_encoding(
    api: APIClient, environment: Environment, owner: User, encoding: str
) -> None:
    playlist = make_playlist(environment, owner, name="Old")
    pinned: Any = True if encoding == "json" else "true"

    response = _send(
        api, playlists_url(environment, "projects", playlist.short_id), {"pinned": pinned}, encoding
    )

    assert response.status_code == 200
    assert SessionRecordingPlaylist.objects.get(pk=playlist.pk).pinned is True


def test_an_integer_for_a_string_is_400(api: APIClient, environment: Environment) -> None:
    recording = SessionRecordingFactory.create(environment=environment)
    path = f"/api/projects/{environment.id}/session_recordings/{recording.session_id}/sharing/passwords/"

    response = api.post(path, {"note": 0}, format="json")

    assert response.status_code == 400
    assert response.json()["attr"] == "note"


def test_an_array_item_of_the_wrong_type_is_400(api: APIClient, environment: Environment) -> None:
    path = f"/api/projects/{environment.id}/session_recordings/batch_check_exists/"

    response = api.post(path, {"session_ids": ["a", 1]}, format="json")

    assert response.status_code == 400
    assert response.json()["attr"] == "session_ids"


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_an_empty_form_value_of_a_non_blank_field_is_400_not_omitted(
    api: APIClient, environment: Environment, encoding: str
) -> None:
    path = f"/api/projects/{environment.id}/session_recordings/bulk_viewed/"

    response = _send(api, path, {"session_recording_ids": "s-1", "date_from": ""}, encoding, "post")

    assert response.status_code == 400
    assert response.json()["attr"] == "date_from"

"""Form-encoded and multipart bodies on the playlists endpoints: a PATCH or PUT changes only the
fields it names (DRF would read every absent checkbox as false), and a form body sent under a
JSON Content-Type (the published curl example) is a 400 saying so."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from recordings_api.models import Environment, User
from tests.playlists.conftest import make_playlist, playlists_url

FORM = "application/x-www-form-urlencoded"


def _form(client: APIClient, method: str, path: str, fields: dict[str, str], encoding: str) -> Any:
    send = getattr(client, method)
    if encoding == "multipart":
        return send(path, fields, format="multipart")
    return send(path, urlencode(fields), content_type=FORM)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_form_update_touches_only_the_fields_it_names(
    api: APIClient, environment: Environment, owner: User, method: str, encoding: str
) -> None:
    playlist = make_playlist(environment, owner, name="Old", description="Kept", pinned=True)

    response = _form(
        api, method, playlists_url(environment, "projects", playlist.short_id), {"name": "New"}, encoding
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["pinned"], response.json()["deleted"]) == (
        "New",
        True,
        False,
    )
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description, playlist.pinned, playlist.deleted) == (
        "New",
        "Kept",
        True,
        False,
    )


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_update_of_a_soft_deleted_playlist_keeps_it_deleted(
    api: APIClient, environment: Environment, owner: User, encoding: str
) -> None:
    playlist = make_playlist(environment, owner, name="Gone", deleted=True)

    response = _form(
        api,
        "patch",
        playlists_url(environment, "projects", playlist.short_id),
        {"name": "Still gone"},
        encoding,
    )

    assert response.status_code == 200
    assert response.json()["deleted"] is True
    playlist.refresh_from_db()
    assert playlist.deleted is True


def test_form_fields_it_names_are_applied(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner, name="Old", pinned=True)

    response = _form(
        api,
        "patch",
        playlists_url(environment, "projects", playlist.short_id),
        {"pinned": "false"},
        "urlencoded",
    )

    assert response.status_code == 200
    playlist.refresh_from_db()
    assert (playlist.name, playlist.pinned) == ("Old", False)


def test_a_form_create_works_and_a_filters_field_is_json(api: APIClient, environment: Environment) -> None:
    fields = {"name": "Errors", "type": "filters", "filters": '{"query": "count_errors:>0"}'}

    response = _form(api, "post", playlists_url(environment), fields, "urlencoded")

    assert response.status_code == 201
    assert response.json()["filters"] == {"query": "count_errors:>0"}
    assert response.json()["pinned"] is False
    assert SessionRecordingPlaylist.objects.get(short_id=response.json()["short_id"]).name == "Errors"


def test_the_published_create_example_is_a_400_naming_the_problem(
    api: APIClient, environment: Environment
) -> None:
    """``curl -H 'Content-Type: application/json' … -d name="string"`` sends ``name=string``."""
    response = api.post(playlists_url(environment), b"name=string", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "type": "invalid_request",
        "code": "parse_error",
        "detail": "The body is form-encoded (name=…) but its Content-Type is application/json. Send JSON, "
        """e.g. -d '{"name": "…"}', or send the form with Content-Type: application/x-www-form-urlencoded.""",
        "attr": None,
    }
    assert not SessionRecordingPlaylist.objects.exists()


def test_other_bad_json_is_still_a_json_parse_error(api: APIClient, environment: Environment) -> None:
    response = api.post(playlists_url(environment), b'{"name": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error - ")

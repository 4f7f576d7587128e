"""Authentication, scopes, membership and isolation between environments for every action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from playlists.views import SessionRecordingPlaylistViewSet
from recordings_api.models import Environment, User
from recordings_api.tenancy import SCOPE_REGISTRY
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, pin, playlists_url

pytestmark = pytest.mark.django_db

# (method, path parts after the playlist, body, required access level)
ACTIONS = [
    ("get", None, None, "read"),
    ("post", None, {"type": "collection"}, "write"),
    ("get", (), None, "read"),
    ("patch", (), {"name": "x"}, "write"),
    ("put", (), {"name": "x"}, "write"),
    ("delete", (), None, "write"),
    ("get", ("recordings",), None, "read"),
    ("post", ("recordings", "SESSION"), None, "write"),
    ("delete", ("recordings", "SESSION"), None, "write"),
    ("post", ("recordings", "bulk_add"), {"session_recording_ids": ["SESSION"]}, "write"),
    ("post", ("recordings", "bulk_delete"), {"session_recording_ids": ["SESSION"]}, "write"),
    ("post", ("playlist_viewed",), None, "write"),
]


def _url(
    environment: Environment,
    prefix: str,
    playlist: SessionRecordingPlaylist,
    parts: tuple[str, ...] | None,
    session_id: str = "SESSION",
) -> str:
    if parts is None:
        return playlists_url(environment, prefix)
    return playlists_url(
        environment, prefix, playlist.short_id, *[p.replace("SESSION", session_id) for p in parts]
    )


def test_every_action_maps_to_a_playlist_scope() -> None:
    assert SCOPE_REGISTRY[SessionRecordingPlaylistViewSet] == {
        "list": ("session_recording_playlist", "read"),
        "retrieve": ("session_recording_playlist", "read"),
        "recordings": ("session_recording_playlist", "read"),
        "create": ("session_recording_playlist", "write"),
        "update": ("session_recording_playlist", "write"),
        "partial_update": ("session_recording_playlist", "write"),
        "modify_recordings": ("session_recording_playlist", "write"),
        "bulk_add_recordings": ("session_recording_playlist", "write"),
        "bulk_delete_recordings": ("session_recording_playlist", "write"),
        "playlist_viewed": ("session_recording_playlist", "write"),
    }


@pytest.mark.parametrize(("method", "parts", "body", "level"), ACTIONS)
def test_without_a_key_is_401(
    environment: Environment,
    owner: User,
    prefix: str,
    method: str,
    parts: tuple[str, ...] | None,
    body: dict[str, Any] | None,
    level: str,
) -> None:
    playlist = make_playlist(environment, owner)

    response = getattr(APIClient(), method)(_url(environment, prefix, playlist, parts), body, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }


@pytest.mark.parametrize(("method", "parts", "body", "level"), ACTIONS)
def test_a_bad_key_is_401(
    environment: Environment,
    owner: User,
    method: str,
    parts: tuple[str, ...] | None,
    body: dict[str, Any] | None,
    level: str,
) -> None:
    playlist = make_playlist(environment, owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_real_key")

    response = getattr(client, method)(_url(environment, "projects", playlist, parts), body, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize(("method", "parts", "body", "level"), ACTIONS)
def test_missing_scope_is_403(
    environment: Environment,
    owner: User,
    key_client: Callable[..., APIClient],
    method: str,
    parts: tuple[str, ...] | None,
    body: dict[str, Any] | None,
    level: str,
) -> None:
    playlist = make_playlist(environment, owner, name="untouched")
    scopes = ["session_recording:write", "sharing_configuration:write"]
    if level == "write":
        scopes.append("session_recording_playlist:read")
    client = key_client(scopes)

    response = getattr(client, method)(
        _url(environment, "environments", playlist, parts), body, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": f"API key missing required scope 'session_recording_playlist:{level}'",
        "attr": None,
    }
    playlist.refresh_from_db()
    assert playlist.name == "untouched"
    assert SessionRecordingPlaylist.objects.count() == 1


def test_read_scope_reads_and_write_scope_writes(
    environment: Environment, owner: User, key_client: Callable[..., APIClient]
) -> None:
    playlist = make_playlist(environment, owner)
    reader = key_client(["session_recording_playlist:read"])
    writer = key_client(["session_recording_playlist:write"])

    assert reader.get(playlists_url(environment)).status_code == 200
    assert reader.get(playlists_url(environment, "projects", playlist.short_id)).status_code == 200
    assert writer.get(playlists_url(environment, "projects", playlist.short_id)).status_code == 200
    assert (
        writer.patch(playlists_url(environment, "projects", playlist.short_id), {"name": "w"}).status_code
        == 200
    )
    assert writer.post(playlists_url(environment), {"type": "collection"}).status_code == 201


@pytest.mark.parametrize(("method", "parts", "body", "level"), ACTIONS)
def test_a_non_member_gets_404(
    environment: Environment,
    owner: User,
    outsider: User,
    key_client: Callable[..., APIClient],
    method: str,
    parts: tuple[str, ...] | None,
    body: dict[str, Any] | None,
    level: str,
) -> None:
    playlist = make_playlist(environment, owner)
    client = key_client(["*"], user=outsider)

    response = getattr(client, method)(_url(environment, "projects", playlist, parts), body, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_a_key_scoped_to_another_team_gets_403(
    environment: Environment,
    owner: User,
    other_environment: Environment,
    key_client: Callable[..., APIClient],
) -> None:
    client = key_client(["*"], scoped_teams=[other_environment.id])
    response = client.get(playlists_url(environment))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("prefix_name", ["projects", "environments"])
def test_unknown_environment_is_404(api: APIClient, prefix_name: str) -> None:
    response = api.get(f"/api/{prefix_name}/999999/session_recording_playlists/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


@pytest.mark.parametrize(("method", "parts", "body", "level"), [a for a in ACTIONS if a[1] is not None])
def test_another_environments_playlist_is_404_through_my_environment(
    api: APIClient,
    environment: Environment,
    other_environment: Environment,
    outsider: User,
    method: str,
    parts: tuple[str, ...] | None,
    body: dict[str, Any] | None,
    level: str,
) -> None:
    """My key, my environment's URL, the other environment's short_id: never found, never touched."""
    theirs = make_playlist(other_environment, outsider, name="theirs")
    recording = SessionRecordingFactory.create(environment=other_environment)
    pin(theirs, recording)

    response = getattr(api, method)(
        _url(environment, "projects", theirs, parts, recording.session_id), body, format="json"
    )

    expected = 405 if (method, parts) == ("delete", ()) else 404
    assert response.status_code == expected
    assert response.json()["type"] == "invalid_request"
    theirs.refresh_from_db()
    assert (theirs.name, theirs.deleted, theirs.items.count()) == ("theirs", False, 1)


def test_lists_do_not_leak_other_environments(
    api: APIClient, environment: Environment, owner: User, other_environment: Environment, outsider: User
) -> None:
    mine = make_playlist(environment, owner, name="shared name")
    make_playlist(other_environment, outsider, name="shared name")
    recording = SessionRecordingFactory.create(environment=other_environment)
    theirs_pinning = make_playlist(other_environment, outsider)
    pin(theirs_pinning, recording)

    results = api.get(playlists_url(environment), {"search": "shared"}).json()["results"]
    assert [p["short_id"] for p in results] == [mine.short_id]
    by_recording = api.get(playlists_url(environment), {"session_recording_id": recording.session_id}).json()
    assert by_recording["count"] == 0


def test_options_needs_the_read_scope(environment: Environment, key_client: Callable[..., APIClient]) -> None:
    reader = key_client(["session_recording_playlist:read"])
    stranger = key_client(["session_recording:read"])

    assert reader.options(playlists_url(environment)).status_code == 200
    assert stranger.options(playlists_url(environment)).status_code == 403


def test_a_staff_session_bypasses_scopes_but_not_membership(
    environment: Environment, owner: User, other_environment: Environment
) -> None:
    owner.is_staff = True
    owner.save()
    client = APIClient()
    client.force_login(owner)

    assert client.get(playlists_url(environment)).status_code == 200
    assert client.get(playlists_url(other_environment)).status_code == 404

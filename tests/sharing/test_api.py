"""The sharing API: ``…/session_recordings/{id}/sharing`` (GET, PATCH) and ``…/sharing/refresh``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Environment, User
from sharing.models import SharingConfiguration
from tests.factories import SessionRecordingFactory
from tests.sharing.conftest import SHARING_KEYS

pytestmark = pytest.mark.django_db


def _enable(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording, **extra: Any
) -> dict[str, Any]:
    response = api.patch(sharing_url(recording), {"enabled": True, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_never_shared_recording_gets_an_unsaved_disabled_configuration(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    response = api.get(sharing_url(recording))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SHARING_KEYS
    assert body["created_at"] is None
    assert body["enabled"] is False
    assert body["settings"] is None
    assert body["password_required"] is False
    assert isinstance(body["access_token"], str) and len(body["access_token"]) >= 22
    assert not SharingConfiguration.objects.exists()


def test_enabling_stores_the_configuration_and_persists_the_recording(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording, owner: User
) -> None:
    body = _enable(api, sharing_url, recording)
    stored = SharingConfiguration.objects.get()
    assert body == {
        "created_at": stored.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enabled": True,
        "access_token": stored.access_token,
        "settings": None,
        "password_required": False,
        "share_passwords": [],
    }
    assert (stored.recording_id, stored.environment_id, stored.created_by_id) == (
        recording.pk,
        recording.environment_id,
        owner.pk,
    )
    assert stored.expires_at is None
    recording.refresh_from_db()
    assert recording.persisted is True
    # The token is stable across reads once stored.
    assert api.get(sharing_url(recording)).json() == body


def test_disabling_keeps_the_token_but_turns_it_off(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    enabled = _enable(api, sharing_url, recording)
    response = api.patch(sharing_url(recording), {"enabled": False}, format="json")
    assert response.status_code == 200
    assert response.json() == {**enabled, "enabled": False}
    assert SharingConfiguration.objects.get().enabled is False
    recording.refresh_from_db()
    assert recording.persisted is True  # disabling never un-persists


def test_settings_are_stored_and_cleared(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    body = _enable(api, sharing_url, recording, settings={"noHeader": True, "whitelabel": False})
    assert body["settings"] == {"noHeader": True, "whitelabel": False}
    response = api.patch(sharing_url(recording), {"settings": None}, format="json")
    assert response.status_code == 200
    assert response.json()["settings"] is None
    assert response.json()["enabled"] is True  # untouched fields keep their value
    assert SharingConfiguration.objects.get().settings is None


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"enabled": "sometimes"}, "enabled"),
        ({"enabled": None}, "enabled"),
        ({"settings": ["noHeader"]}, "settings"),
        ({"settings": {"nested": {"a": 1}}}, "settings"),
        ({"settings": {f"k{i}": True for i in range(33)}}, "settings"),
        ({"settings": {"long": "x" * 5000}}, "settings"),
        ({"password_required": "sometimes"}, "password_required"),
    ],
)
def test_invalid_patch_is_a_400_naming_the_field(
    api: APIClient,
    sharing_url: Callable[..., str],
    recording: SessionRecording,
    payload: dict[str, Any],
    attr: str,
) -> None:
    response = api.patch(sharing_url(recording), payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["attr"]) == ("validation_error", attr)
    assert not SharingConfiguration.objects.exists()


def test_malformed_json_is_a_400(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    response = api.generic("PATCH", sharing_url(recording), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_request"


def test_refresh_rotates_the_token_with_a_grace_period(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording, settings: Settings
) -> None:
    settings.SHARING_TOKEN_GRACE_SECONDS = 300
    first = _enable(api, sharing_url, recording, settings={"noHeader": True})
    before = timezone.now()
    response = api.post(sharing_url(recording, "refresh/"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SHARING_KEYS
    assert body["access_token"] != first["access_token"]
    assert (body["enabled"], body["settings"]) == (True, {"noHeader": True})
    old = SharingConfiguration.objects.get(access_token=first["access_token"])
    new = SharingConfiguration.objects.get(access_token=body["access_token"])
    assert new.expires_at is None
    assert old.expires_at is not None
    assert before + timedelta(seconds=299) <= old.expires_at <= timezone.now() + timedelta(seconds=300)
    assert api.get(sharing_url(recording)).json()["access_token"] == body["access_token"]


def test_refresh_of_a_never_shared_recording_creates_a_disabled_configuration(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    response = api.post(sharing_url(recording, "refresh"))
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert SharingConfiguration.objects.filter(expires_at__isnull=True).count() == 1


def test_disabling_ends_the_grace_period_of_rotated_tokens(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    first = _enable(api, sharing_url, recording)
    api.post(sharing_url(recording, "refresh"))
    api.patch(sharing_url(recording), {"enabled": False}, format="json")
    old = SharingConfiguration.objects.get(access_token=first["access_token"])
    assert old.expires_at is not None and old.expires_at <= timezone.now()


def test_tokens_are_unique_and_long(api: APIClient, environment: Environment, prefix: str) -> None:
    tokens = set()
    for _ in range(5):
        recording = SessionRecordingFactory.create(environment=environment)
        url = f"/api/{prefix}/{environment.id}/session_recordings/{recording.session_id}/sharing"
        tokens.add(api.patch(url, {"enabled": True}, format="json").json()["access_token"])
    assert len(tokens) == 5
    # token_urlsafe(22): 176 bits in 30 URL-safe characters.
    assert all(len(token) >= 29 for token in tokens)


def test_without_or_with_a_bad_key_is_401(
    sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    anonymous = APIClient()
    assert anonymous.get(sharing_url(recording)).status_code == 401
    assert anonymous.get(sharing_url(recording)).json()["code"] == "not_authenticated"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_key")
    response = bad.patch(sharing_url(recording), {"enabled": True}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not SharingConfiguration.objects.exists()


def test_read_scope_reads_but_cannot_write(
    key_client: Callable[..., APIClient], sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    client = key_client(["sharing_configuration:read"])
    assert client.get(sharing_url(recording)).status_code == 200
    for response in (
        client.patch(sharing_url(recording), {"enabled": True}, format="json"),
        client.post(sharing_url(recording, "refresh")),
    ):
        assert response.status_code == 403
        assert response.json()["detail"] == "API key missing required scope 'sharing_configuration:write'"
    assert not SharingConfiguration.objects.exists()


def test_write_scope_reads_and_writes(
    key_client: Callable[..., APIClient], sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    client = key_client(["sharing_configuration:write"])
    assert client.patch(sharing_url(recording), {"enabled": True}, format="json").status_code == 200
    assert client.post(sharing_url(recording, "refresh")).status_code == 200
    assert client.get(sharing_url(recording)).status_code == 200


def test_recording_scopes_do_not_open_sharing(
    key_client: Callable[..., APIClient], sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    client = key_client(["session_recording:write"])
    response = client.get(sharing_url(recording))
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'sharing_configuration:read'"


def test_teammate_can_share(
    key_client: Callable[..., APIClient],
    teammate: User,
    sharing_url: Callable[..., str],
    recording: SessionRecording,
) -> None:
    client = key_client(["sharing_configuration:write"], user=teammate)
    assert client.patch(sharing_url(recording), {"enabled": True}, format="json").status_code == 200


def test_unknown_recording_is_404(api: APIClient, sharing_url: Callable[..., str]) -> None:
    missing = SessionRecording(session_id="no-such-session")
    for response in (
        api.get(sharing_url(missing)),
        api.patch(sharing_url(missing), {"enabled": True}, format="json"),
        api.post(sharing_url(missing, "refresh")),
    ):
        assert response.status_code == 404
        assert response.json() == {
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Recording not found.",
            "attr": None,
        }


def test_deleted_recording_is_404(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording, environment: Environment
) -> None:
    DeletedRecording.objects.create(environment=environment, session_id=recording.session_id)
    assert api.get(sharing_url(recording)).status_code == 404
    assert api.patch(sharing_url(recording), {"enabled": True}, format="json").status_code == 404


def test_another_environments_recording_is_404_through_mine(
    api: APIClient, sharing_url: Callable[..., str], other_recording: SessionRecording
) -> None:
    # Addressed through my environment's URL, the other environment's session id does not exist.
    assert api.get(sharing_url(other_recording)).status_code == 404
    assert api.patch(sharing_url(other_recording), {"enabled": True}, format="json").status_code == 404
    assert not SharingConfiguration.objects.exists()


def test_another_environments_url_is_404_for_a_non_member(
    api: APIClient,
    sharing_url: Callable[..., str],
    other_recording: SessionRecording,
    other_environment: Environment,
) -> None:
    url = sharing_url(other_recording, environment_id=other_environment.id)
    assert api.get(url).status_code == 404
    assert api.patch(url, {"enabled": True}, format="json").status_code == 404
    assert not SharingConfiguration.objects.exists()


def test_same_session_id_in_two_environments_is_shared_separately(
    api: APIClient,
    key_client: Callable[..., APIClient],
    outsider: User,
    sharing_url: Callable[..., str],
    recording: SessionRecording,
    other_environment: Environment,
) -> None:
    twin = SessionRecordingFactory.create(environment=other_environment, session_id=recording.session_id)
    outsider_client = key_client(["*"], user=outsider)
    twin_url = f"/api/environments/{other_environment.id}/session_recordings/{twin.session_id}/sharing"
    mine = _enable(api, sharing_url, recording)
    theirs = outsider_client.get(twin_url).json()
    assert theirs["enabled"] is False
    assert theirs["access_token"] != mine["access_token"]
    assert SharingConfiguration.objects.get().recording_id == recording.pk


def test_unsupported_methods_and_paths(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    assert api.put(sharing_url(recording), {"enabled": True}, format="json").status_code == 405
    assert api.delete(sharing_url(recording)).status_code == 405
    assert api.post(sharing_url(recording), {}, format="json").status_code == 405
    assert api.get(sharing_url(recording, "refresh")).status_code == 405
    response = api.patch(sharing_url(recording, "123"), {"enabled": True}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Endpoint not found."


def test_trailing_slash_is_optional(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    url = sharing_url(recording).rstrip("/")
    assert api.patch(url, {"enabled": True}, format="json").status_code == 200
    assert api.get(url).json()["enabled"] is True


def test_an_item_path_is_the_json_404_even_for_a_csrf_checking_client(
    environment: Environment,
    owner: User,
    make_key: Callable[..., str],
    sharing_url: Callable[..., str],
    recording: SessionRecording,
) -> None:
    """Bearer-key clients send no CSRF cookie; a write to a path that does not exist must still be
    the API's JSON 404, not Django's HTML CSRF page."""
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner, ['*'])}")

    response = client.patch(sharing_url(recording, "123"), {"enabled": True}, format="json")

    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Endpoint not found.",
        "attr": None,
    }

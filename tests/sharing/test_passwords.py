"""Share tokens as ``Authorization: Bearer`` (PostHog's player), and password-protected shares:
``…/sharing/passwords``, the password step at ``/shared/{token}`` and the share session token."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment, User
from sharing.models import SharePassword, SharingConfiguration

INVALID = {
    "type": "authentication_error",
    "code": "authentication_failed",
    "detail": "Sharing access token is invalid.",
    "attr": None,
}


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _recording_url(recording: SessionRecording, suffix: str = "") -> str:
    return f"/api/environments/{recording.environment_id}/session_recordings/{recording.session_id}/{suffix}"


@pytest.fixture
def shared(recording: SessionRecording) -> SharingConfiguration:
    return SharingConfiguration.objects.create(
        environment=recording.environment, recording=recording, enabled=True
    )


@pytest.fixture
def protected(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> SharingConfiguration:
    response = api.patch(sharing_url(recording), {"enabled": True, "password_required": True}, format="json")
    assert response.status_code == 200
    created = api.post(
        sharing_url(recording, "passwords/"), {"raw_password": "correct horse", "note": "QA"}, format="json"
    )
    assert created.status_code == 201
    return SharingConfiguration.objects.get(recording=recording, expires_at__isnull=True)


def _session(client: Client, configuration: SharingConfiguration, password: str = "correct horse") -> str:
    response = client.post(
        f"/shared/{configuration.access_token}", {"password": password}, content_type="application/json"
    )
    assert response.status_code == 200
    return str(response.json()["shareToken"])


# --- Bearer sharing tokens --------------------------------------------------------------------


def test_a_share_token_works_as_bearer(shared: SharingConfiguration, recording: SessionRecording) -> None:
    response = _bearer(shared.access_token).get(_recording_url(recording))

    assert response.status_code == 200
    assert response.json() == {
        "id": recording.session_id,
        "recording_duration": recording.duration_seconds,
        "start_time": recording.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_time": recording.end_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert _bearer(shared.access_token).get(_recording_url(recording, "snapshots")).status_code == 200


def test_a_bearer_share_token_opens_nothing_else(
    shared: SharingConfiguration, recording: SessionRecording, environment: Environment
) -> None:
    client = _bearer(shared.access_token)

    assert client.get(f"/api/environments/{environment.id}/session_recordings/").status_code == 403
    assert client.patch(_recording_url(recording), {"viewed": True}, format="json").status_code == 403


def test_an_unknown_or_disabled_bearer_share_token_is_401(
    shared: SharingConfiguration, recording: SessionRecording
) -> None:
    assert _bearer("nope" * 8).get(_recording_url(recording)).json() == INVALID
    SharingConfiguration.objects.filter(pk=shared.pk).update(enabled=False)
    assert _bearer(shared.access_token).get(_recording_url(recording)).json() == INVALID


def test_personal_api_keys_still_work_as_bearer(
    api: APIClient, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    response = api.get(_recording_url(recording))

    assert response.status_code == 200
    assert "person" in response.json()


def test_new_tokens_never_look_like_keys() -> None:
    from sharing.models import access_token_generate

    assert not any(access_token_generate().lower().startswith("ph") for _ in range(2000))


# --- …/sharing/passwords ----------------------------------------------------------------------


def test_adding_a_password_shows_it_once_and_stores_only_its_hash(
    api: APIClient, owner: User, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    response = api.post(
        sharing_url(recording, "passwords/"),
        {"raw_password": "hunter2hunter2", "note": "Support"},
        format="json",
    )

    stored = SharePassword.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": stored.id,
        "password": "hunter2hunter2",
        "note": "Support",
        "created_at": stored.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_by_email": "alice@example.com",
    }
    assert "hunter2" not in stored.password_hash and check_password("hunter2hunter2", stored.password_hash)
    listed = api.get(sharing_url(recording)).json()["share_passwords"]
    assert listed == [
        {
            "id": stored.id,
            "note": "Support",
            "created_at": stored.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_by_email": "alice@example.com",
        }
    ]


def test_without_raw_password_one_is_generated(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    response = api.post(sharing_url(recording, "passwords/"), {}, format="json")

    assert response.status_code == 201
    assert len(response.json()["password"]) >= 16
    assert check_password(response.json()["password"], SharePassword.objects.get().password_hash)


@pytest.mark.parametrize(
    ("payload", "attr"), [({"raw_password": "short"}, "raw_password"), ({"note": "n" * 101}, "note")]
)
def test_invalid_passwords_are_400(
    api: APIClient,
    sharing_url: Callable[..., str],
    recording: SessionRecording,
    payload: dict[str, Any],
    attr: str,
) -> None:
    response = api.post(sharing_url(recording, "passwords/"), payload, format="json")

    assert response.status_code == 400
    assert (response.json()["type"], response.json()["attr"]) == ("validation_error", attr)
    assert not SharePassword.objects.exists()


def test_deleting_a_password(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    password_id = api.post(sharing_url(recording, "passwords/"), {}, format="json").json()["id"]

    assert api.delete(sharing_url(recording, f"passwords/{password_id}/")).status_code == 204
    assert not SharePassword.objects.exists()
    again = api.delete(sharing_url(recording, f"passwords/{password_id}/"))
    assert again.status_code == 404
    assert again.json()["detail"] == "Share password not found."


def test_passwords_need_the_write_scope_and_credentials(
    key_client: Callable[..., APIClient], sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    reader = key_client(["sharing_configuration:read"])

    assert reader.post(sharing_url(recording, "passwords/"), {}, format="json").status_code == 403
    assert reader.delete(sharing_url(recording, "passwords/1/")).status_code == 403
    assert APIClient().post(sharing_url(recording, "passwords/"), {}, format="json").status_code == 401
    assert not SharePassword.objects.exists()


def test_another_environments_recording_gets_no_password(
    api: APIClient, other_recording: SessionRecording, other_environment: Environment, prefix: str
) -> None:
    recording_path = f"/api/{prefix}/{other_environment.id}/session_recordings/{other_recording.session_id}"
    path = f"{recording_path}/sharing/passwords/"

    assert api.post(path, {}, format="json").status_code == 404  # another organization's: as if absent
    assert not SharePassword.objects.exists()


# --- password-protected shares ----------------------------------------------------------------


def test_the_token_alone_opens_nothing(protected: SharingConfiguration, recording: SessionRecording) -> None:
    assert _bearer(protected.access_token).get(_recording_url(recording)).json() == INVALID
    with_query = APIClient().get(
        _recording_url(recording) + f"?sharing_access_token={protected.access_token}"
    )
    assert with_query.json() == INVALID
    assert Client().get(f"/shared/{protected.access_token}.json").status_code == 401


def test_the_page_asks_for_the_password(protected: SharingConfiguration) -> None:
    response = Client().get(f"/shared/{protected.access_token}")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="share-password-form"' in html and 'name="password"' in html
    assert "shared-replay-data" not in html


def test_a_wrong_password_is_401(protected: SharingConfiguration) -> None:
    client = Client()
    as_json = client.post(
        f"/shared/{protected.access_token}", {"password": "wrong"}, content_type="application/json"
    )
    as_form = client.post(f"/shared/{protected.access_token}", {"password": "wrong"})

    assert as_json.status_code == 401
    assert as_json.json() == {"error": "Incorrect password"}
    assert as_form.status_code == 401
    assert "Incorrect password" in as_form.content.decode()
    assert "posthog_sharing_token" not in as_json.cookies


def test_the_password_opens_a_share_session(
    protected: SharingConfiguration, recording: SessionRecording
) -> None:
    client = Client()
    response = client.post(
        f"/shared/{protected.access_token}", {"password": "correct horse"}, content_type="application/json"
    )

    token = response.json()["shareToken"]
    cookie = response.cookies["posthog_sharing_token"]
    assert (
        cookie.value == token and cookie["httponly"] and cookie["path"] == f"/shared/{protected.access_token}"
    )
    session = _bearer(token)
    assert session.get(_recording_url(recording)).json()["id"] == recording.session_id
    assert session.get(_recording_url(recording, "snapshots")).status_code == 200
    assert session.post(_recording_url(recording, "persist/")).json() == INVALID  # reads only


def test_a_form_post_plays_at_once_and_the_cookie_keeps_the_page_open(
    protected: SharingConfiguration,
) -> None:
    client = Client()
    played = client.post(f"/shared/{protected.access_token}", {"password": "correct horse"})
    again = client.get(f"/shared/{protected.access_token}")

    for response in (played, again):
        assert response.status_code == 200
        match = re.search(
            r'<script id="shared-replay-data" type="application/json">(.*?)</script>',
            response.content.decode(),
        )
        assert match is not None
        assert json.loads(match.group(1))["accessToken"] == played.cookies["posthog_sharing_token"].value


def test_revoking_ends_share_sessions(
    api: APIClient,
    sharing_url: Callable[..., str],
    protected: SharingConfiguration,
    recording: SessionRecording,
) -> None:
    deleted_password = _session(Client(), protected)
    lifted = _session(Client(), protected)
    disabled = _session(Client(), protected)

    SharePassword.objects.all().delete()
    assert _bearer(deleted_password).get(_recording_url(recording)).json() == INVALID

    api.post(sharing_url(recording, "passwords/"), {"raw_password": "correct horse"}, format="json")
    lifted = _session(Client(), protected)
    api.patch(sharing_url(recording), {"password_required": False}, format="json")
    assert _bearer(lifted).get(_recording_url(recording)).json() == INVALID

    api.patch(sharing_url(recording), {"password_required": True}, format="json")
    disabled = _session(Client(), protected)
    assert _bearer(disabled).get(_recording_url(recording)).status_code == 200
    api.patch(sharing_url(recording), {"enabled": False}, format="json")
    assert _bearer(disabled).get(_recording_url(recording)).json() == INVALID


def test_a_forged_or_foreign_session_token_is_401(
    protected: SharingConfiguration, recording: SessionRecording
) -> None:
    token = _session(Client(), protected)
    header, claims, signature = token.split(".")

    assert _bearer(f"{header}.{claims}.{signature[::-1]}").get(_recording_url(recording)).json() == INVALID
    assert _bearer("a.b.c").get(_recording_url(recording)).json() == INVALID


def test_password_attempts_are_limited_per_share(protected: SharingConfiguration, settings: Settings) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "share_password": "2/minute"}
    client = Client()
    statuses = [
        client.post(
            f"/shared/{protected.access_token}", {"password": "guess"}, content_type="application/json"
        ).status_code
        for _ in range(3)
    ]

    assert statuses == [401, 401, 429]

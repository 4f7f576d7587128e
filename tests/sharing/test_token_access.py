"""``?sharing_access_token=``: one recording, read only, its own budget.

Grant-enabled endpoints (owned by other apps): the recording's ``retrieve`` (reduced shape) and
its ``snapshots``. Everything else with a valid token is 403; a disabled, unknown or
rotated-out token is 401.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Environment
from sharing.models import SharingConfiguration
from snapshots.live_buffer import BufferedLine, get_live_buffer
from tests.conftest import streamed_chunks
from tests.factories import SessionRecordingFactory

pytestmark = pytest.mark.django_db

INVALID = {
    "type": "authentication_error",
    "code": "authentication_failed",
    "detail": "Sharing access token is invalid.",
    "attr": None,
}
FORBIDDEN = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "This sharing token does not give access to this resource.",
    "attr": None,
}


@pytest.fixture
def shared(recording: SessionRecording) -> SharingConfiguration:
    return SharingConfiguration.objects.create(
        environment=recording.environment, recording=recording, enabled=True
    )


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


def _recording_url(recording: SessionRecording, prefix: str = "environments", suffix: str = "") -> str:
    return f"/api/{prefix}/{recording.environment_id}/session_recordings/{recording.session_id}/{suffix}"


def _with_token(url: str, token: str, **params: str) -> str:
    query = "&".join([f"{key}={value}" for key, value in params.items()] + [f"sharing_access_token={token}"])
    return f"{url}?{query}"


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_retrieve_returns_the_reduced_shape(
    anonymous: APIClient, shared: SharingConfiguration, recording: SessionRecording, prefix: str
) -> None:
    response = anonymous.get(_with_token(_recording_url(recording, prefix), shared.access_token))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": recording.session_id,
        "recording_duration": 120,
        "start_time": recording.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_time": recording.end_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_snapshots_are_readable_in_both_phases(
    anonymous: APIClient, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    line = json.dumps(
        {"window_id": "w1", "data": [{"type": 4, "data": {"href": "https://x"}, "timestamp": 1}]}
    )
    get_live_buffer().append(
        environment_id=recording.environment_id,
        session_id=recording.session_id,
        lines=[BufferedLine(score=1, line=line)],
    )
    url = _recording_url(recording, suffix="snapshots")
    sources = anonymous.get(_with_token(url, shared.access_token))
    assert sources.status_code == 200, sources.content
    assert [source["source"] for source in sources.json()["sources"]] == ["realtime"]
    realtime = anonymous.get(_with_token(url, shared.access_token, source="realtime", version="2024-04-30"))
    assert realtime.status_code == 200
    body = b"".join(streamed_chunks(realtime)) if realtime.streaming else realtime.content
    assert [json.loads(item) for item in body.decode().splitlines() if item] == [json.loads(line)]


def test_token_does_not_open_another_recording(
    anonymous: APIClient, shared: SharingConfiguration, environment: Environment
) -> None:
    other = SessionRecordingFactory.create(environment=environment)
    for suffix in ("", "snapshots"):
        response = anonymous.get(_with_token(_recording_url(other, suffix=suffix), shared.access_token))
        assert response.status_code == 403
        assert response.json() == FORBIDDEN


def test_token_does_not_list_recordings(
    anonymous: APIClient, shared: SharingConfiguration, environment: Environment
) -> None:
    response = anonymous.get(
        _with_token(f"/api/environments/{environment.id}/session_recordings/", shared.access_token)
    )
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_token_is_read_only(
    anonymous: APIClient, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    url = _with_token(_recording_url(recording), shared.access_token)
    assert anonymous.patch(url, {"viewed": True}, format="json").status_code == 403
    assert anonymous.delete(url).status_code == 403
    assert SessionRecording.objects.filter(pk=recording.pk).exists()
    assert not DeletedRecording.objects.exists()


def test_token_does_not_open_another_environment(
    anonymous: APIClient,
    shared: SharingConfiguration,
    recording: SessionRecording,
    other_environment: Environment,
) -> None:
    twin = SessionRecordingFactory.create(environment=other_environment, session_id=recording.session_id)
    response = anonymous.get(_with_token(_recording_url(twin), shared.access_token))
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Project not found.",
        "attr": None,
    }


def test_token_does_not_open_the_sharing_api(
    anonymous: APIClient, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    # The sharing configuration is not grant-enabled: the token authenticates but opens nothing there.
    response = anonymous.get(_with_token(_recording_url(recording, suffix="sharing"), shared.access_token))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = anonymous.patch(
        _with_token(_recording_url(recording, suffix="sharing"), shared.access_token),
        {"enabled": False},
        format="json",
    )
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.enabled is True


def test_disabled_token_is_401(
    anonymous: APIClient, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    shared.enabled = False
    shared.save()
    response = anonymous.get(_with_token(_recording_url(recording), shared.access_token))
    assert response.status_code == 401
    assert response.json() == INVALID


def test_unknown_token_is_401(anonymous: APIClient, recording: SessionRecording) -> None:
    response = anonymous.get(_with_token(_recording_url(recording), "x" * 30))
    assert response.status_code == 401
    assert response.json() == INVALID


def test_deleted_recording_token_is_401(
    anonymous: APIClient, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    DeletedRecording.objects.create(environment=recording.environment, session_id=recording.session_id)
    response = anonymous.get(_with_token(_recording_url(recording), shared.access_token))
    assert response.status_code == 401


def test_rotation_keeps_the_old_token_for_the_grace_period_then_401(
    api: APIClient,
    anonymous: APIClient,
    shared: SharingConfiguration,
    recording: SessionRecording,
    settings: Settings,
) -> None:
    settings.SHARING_TOKEN_GRACE_SECONDS = 300
    sharing_url = _recording_url(recording, suffix="sharing")
    new_token = api.post(f"{sharing_url}/refresh").json()["access_token"]
    old_url = _with_token(_recording_url(recording), shared.access_token)
    assert anonymous.get(old_url).status_code == 200
    assert anonymous.get(_with_token(_recording_url(recording), new_token)).status_code == 200
    # Past the grace period the old token is dead; the new one still works.
    SharingConfiguration.objects.filter(pk=shared.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = anonymous.get(old_url)
    assert response.status_code == 401
    assert response.json() == INVALID
    assert anonymous.get(_with_token(_recording_url(recording), new_token)).status_code == 200


def test_rotation_without_grace_kills_the_old_token_at_once(
    api: APIClient,
    anonymous: APIClient,
    shared: SharingConfiguration,
    recording: SessionRecording,
    settings: Settings,
) -> None:
    settings.SHARING_TOKEN_GRACE_SECONDS = 0
    api.post(_recording_url(recording, suffix="sharing/refresh"))
    assert anonymous.get(_with_token(_recording_url(recording), shared.access_token)).status_code == 401


def test_token_has_its_own_budget(
    anonymous: APIClient,
    shared: SharingConfiguration,
    recording: SessionRecording,
    environment: Environment,
    settings: Settings,
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sharing_token": "2/minute"}
    url = _with_token(_recording_url(recording), shared.access_token)
    assert [anonymous.get(url).status_code for _ in range(2)] == [200, 200]
    response = anonymous.get(url)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"] == "throttled_error"
    other = SessionRecordingFactory.create(environment=environment)
    other_shared = SharingConfiguration.objects.create(environment=environment, recording=other, enabled=True)
    assert anonymous.get(_with_token(_recording_url(other), other_shared.access_token)).status_code == 200

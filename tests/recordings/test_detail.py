"""GET / PATCH / PUT / DELETE …/session_recordings/{id}/."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionEvent, SessionRecording, SessionRecordingViewed
from recordings_api.models import Environment, User
from tests.factories import SessionEventFactory
from tests.recordings.conftest import base_url, make_recording
from tests.recordings.test_list import expected_recording

pytestmark = pytest.mark.django_db

NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Recording not found", "attr": None}


@pytest.fixture
def recording(environment: Environment) -> SessionRecording:
    return make_recording(environment, start=timezone.now() - timedelta(hours=2), duration=120, active=60)


# --- retrieve ---------------------------------------------------------------------------------


def test_retrieve_full_body(
    api: APIClient, recording: SessionRecording, teammate: User, recordings_url: str
) -> None:
    SessionRecordingViewed.objects.create(
        environment=recording.environment, user=teammate, session_id=recording.session_id
    )

    response = api.get(f"{recordings_url}{recording.session_id}/")

    assert response.status_code == 200
    body = response.json()
    person = body.pop("person")
    expected = expected_recording(recording, viewers=["bob@example.com"])
    expected.pop("person")
    assert body == expected
    assert person["distinct_ids"] == [recording.distinct_id] and person["id"] is None


def test_retrieve_without_trailing_slash(
    api: APIClient, recording: SessionRecording, recordings_url: str
) -> None:
    assert api.get(f"{recordings_url}{recording.session_id}").status_code == 200


def test_retrieve_other_environment_is_404(
    api: APIClient, other_environment: Environment, recordings_url: str
) -> None:
    foreign = make_recording(
        other_environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1
    )

    response = api.get(f"{recordings_url}{foreign.session_id}/")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_retrieve_unknown_and_deleted_are_404(
    api: APIClient, recording: SessionRecording, recordings_url: str
) -> None:
    DeletedRecording.objects.create(environment=recording.environment, session_id=recording.session_id)

    assert api.get(f"{recordings_url}{recording.session_id}/").json() == NOT_FOUND
    assert api.get(f"{recordings_url}does-not-exist/").status_code == 404


def test_retrieve_requires_auth_and_scope(
    key_client: Callable[..., APIClient], recording: SessionRecording, recordings_url: str
) -> None:
    url = f"{recordings_url}{recording.session_id}/"

    assert APIClient().get(url).status_code == 401
    assert key_client(["session_recording_playlist:write"]).get(url).status_code == 403
    assert key_client(["session_recording:read"]).get(url).status_code == 200


def test_retrieve_with_sharing_token_is_reduced(
    recording: SessionRecording, owner: User, recordings_url: str
) -> None:
    from sharing.services import sharing_configuration_update

    configuration = sharing_configuration_update(recording=recording, user=owner, enabled=True)

    response = APIClient().get(
        f"{recordings_url}{recording.session_id}/", {"sharing_access_token": configuration.access_token}
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": recording.session_id,
        "recording_duration": 120,
        "start_time": recording.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_time": recording.end_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_sharing_token_reaches_nothing_else(
    recording: SessionRecording, owner: User, environment: Environment, recordings_url: str
) -> None:
    from sharing.services import sharing_configuration_update

    other = make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)
    token = sharing_configuration_update(recording=recording, user=owner, enabled=True).access_token
    client = APIClient()

    assert (
        client.get(f"{recordings_url}{other.session_id}/", {"sharing_access_token": token}).status_code == 403
    )
    assert client.get(recordings_url, {"sharing_access_token": token}).status_code == 403
    assert (
        client.delete(f"{recordings_url}{recording.session_id}/?sharing_access_token={token}").status_code
        == 403
    )


# --- update -----------------------------------------------------------------------------------


def test_patch_viewed(api: APIClient, owner: User, recording: SessionRecording, recordings_url: str) -> None:
    response = api.patch(f"{recordings_url}{recording.session_id}/", {"viewed": True}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body == {**expected_recording(recording, viewed=True, person=body["person"]), "success": True}
    assert SessionRecordingViewed.objects.filter(
        environment=recording.environment, user=owner, session_id=recording.session_id
    ).exists()


def test_patch_is_idempotent_and_put_matches(
    api: APIClient, owner: User, recording: SessionRecording, recordings_url: str
) -> None:
    url = f"{recordings_url}{recording.session_id}/"

    api.patch(url, {"viewed": True}, format="json")
    response = api.put(url, {"viewed": True, "player_metadata": {"speed": 2}}, format="json")

    assert response.status_code == 200 and response.json()["viewed"] is True
    assert SessionRecordingViewed.objects.filter(session_id=recording.session_id).count() == 1


def test_patch_analyzed_only_does_not_mark_viewed(
    api: APIClient, recording: SessionRecording, recordings_url: str
) -> None:
    response = api.patch(f"{recordings_url}{recording.session_id}/", {"analyzed": True}, format="json")

    assert response.status_code == 200 and response.json()["viewed"] is False
    assert not SessionRecordingViewed.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr", "detail"),
    [
        ({}, None, "At least one of 'viewed' or 'analyzed' must be provided."),
        ({"viewed": False}, None, "At least one of 'viewed' or 'analyzed' must be provided."),
        ({"viewed": "perhaps"}, "viewed", "Must be a valid boolean."),
        ({"viewed": True, "tomato": "x"}, "tomato", "Unknown field 'tomato'."),
    ],
)
def test_patch_invalid_is_400(
    api: APIClient,
    recording: SessionRecording,
    recordings_url: str,
    body: dict[str, Any],
    attr: str | None,
    detail: str,
) -> None:
    response = api.patch(f"{recordings_url}{recording.session_id}/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": response.json()["code"],
        "detail": detail,
        "attr": attr,
    }


def test_patch_accepts_posthog_player_metadata(
    api: APIClient, recording: SessionRecording, recordings_url: str
) -> None:
    body = {"viewed": True, "analyzed": False, "player_metadata": None}

    response = api.patch(f"{recordings_url}{recording.session_id}/", body, format="json")

    assert (response.status_code, response.json()["viewed"]) == (200, True)


def test_patch_as_in_the_published_docs_is_a_no_op(
    api: APIClient, owner: User, recording: SessionRecording, recordings_url: str
) -> None:
    """The docs' example: ``curl -X PATCH … -d distinct_id="string"`` (a read-only field, form-encoded)."""
    response = api.patch(
        f"{recordings_url}{recording.session_id}/",
        "distinct_id=string",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    body = response.json()
    assert body == {**expected_recording(recording, person=body["person"]), "success": True}
    recording.refresh_from_db()
    assert recording.distinct_id != "string"
    assert not SessionRecordingViewed.objects.filter(session_id=recording.session_id).exists()


def test_patch_needs_write_scope(
    key_client: Callable[..., APIClient], recording: SessionRecording, recordings_url: str
) -> None:
    response = key_client(["session_recording:read"]).patch(
        f"{recordings_url}{recording.session_id}/", {"viewed": True}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'session_recording:write'"


def test_patch_other_environment_is_404(
    api: APIClient, other_environment: Environment, recordings_url: str
) -> None:
    foreign = make_recording(
        other_environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1
    )

    response = api.patch(f"{recordings_url}{foreign.session_id}/", {"viewed": True}, format="json")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert not SessionRecordingViewed.objects.exists()


# --- delete -----------------------------------------------------------------------------------


def test_delete(
    api: APIClient,
    owner: User,
    recording: SessionRecording,
    recordings_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    environment = recording.environment
    SessionEventFactory.create(environment=environment, session_id=recording.session_id)
    SessionRecordingViewed.objects.create(
        environment=environment, user=owner, session_id=recording.session_id
    )
    url = f"{recordings_url}{recording.session_id}/"

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.delete(url)

    assert response.status_code == 204 and response.content == b""
    assert len(callbacks) == 1  # the snapshot deletion task is enqueued after commit
    assert not SessionRecording.objects.filter(session_id=recording.session_id).exists()
    assert not SessionEvent.objects.filter(session_id=recording.session_id).exists()
    assert not SessionRecordingViewed.objects.filter(session_id=recording.session_id).exists()
    tombstone = DeletedRecording.objects.get(environment=environment, session_id=recording.session_id)
    assert tombstone.deleted_by == owner
    assert api.get(url).status_code == 404
    assert api.get(recordings_url).json()["count"] == 0


def test_delete_is_idempotent(api: APIClient, recording: SessionRecording, recordings_url: str) -> None:
    url = f"{recordings_url}{recording.session_id}/"

    assert api.delete(url).status_code == 204
    assert api.delete(url).status_code == 204
    assert DeletedRecording.objects.filter(session_id=recording.session_id).count() == 1


def test_delete_unknown_is_404(api: APIClient, environment: Environment, recordings_url: str) -> None:
    response = api.delete(f"{recordings_url}never-existed/")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert not DeletedRecording.objects.exists()


def test_delete_other_environment_is_404_and_untouched(
    api: APIClient, other_environment: Environment, recordings_url: str
) -> None:
    foreign = make_recording(
        other_environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1
    )

    response = api.delete(f"{recordings_url}{foreign.session_id}/")

    assert response.status_code == 404
    assert SessionRecording.objects.filter(pk=foreign.pk).exists()
    assert not DeletedRecording.objects.exists()


def test_delete_needs_write_scope(
    key_client: Callable[..., APIClient], recording: SessionRecording, recordings_url: str
) -> None:
    response = key_client(["session_recording:read"]).delete(f"{recordings_url}{recording.session_id}/")

    assert response.status_code == 403
    assert SessionRecording.objects.filter(pk=recording.pk).exists()


def test_delete_removes_blobs_and_live_buffer(
    api: APIClient,
    environment: Environment,
    snapshot_backends: tuple[str, str],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through the real storage helpers: the blob and the buffered lines are gone afterwards."""
    from config.celery import app

    # With REDIS_URL set Celery would publish to the broker; run the task in-process instead.
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    from snapshots.live_buffer import get_live_buffer
    from snapshots.live_buffer.base import BufferedLine
    from snapshots.storage import blob_object_key, get_blob_store

    recording = make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)
    key = blob_object_key(environment_id=environment.id, session_id=recording.session_id, blob_key="1-2")
    store, buffer = get_blob_store(), get_live_buffer()
    store.put(key, b"{}\n")
    line = json.dumps({"window_id": "w", "data": [{"type": 3, "timestamp": 5}]})
    buffer.append(
        environment_id=environment.id, session_id=recording.session_id, lines=[BufferedLine(5, line)]
    )
    survivor = make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)
    survivor_key = blob_object_key(
        environment_id=environment.id, session_id=survivor.session_id, blob_key="1-2"
    )
    store.put(survivor_key, b"{}\n")

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{base_url(environment)}{recording.session_id}/").status_code == 204

    assert store.head(key) is None
    assert buffer.read(environment_id=environment.id, session_id=recording.session_id) == []
    assert store.head(survivor_key) is not None

"""Form-encoded and multipart bodies on ``PATCH``/``PUT …/session_recordings/{id}/``: the published
example (``-d distinct_id="string"``) works, and fields left out are not read as false."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from recordings.models import SessionRecording, SessionRecordingViewed
from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory

FORM = "application/x-www-form-urlencoded"


def _send(client: APIClient, method: str, path: str, fields: dict[str, str], encoding: str) -> Any:
    send = getattr(client, method)
    if encoding == "multipart":
        return send(path, fields, format="multipart")
    return send(path, urlencode(fields), content_type=FORM)


@pytest.fixture
def recording(environment: Environment) -> SessionRecording:
    return SessionRecordingFactory.create(environment=environment, session_id="form-1")


def _path(environment: Environment) -> str:
    return f"/api/projects/{environment.id}/session_recordings/form-1/"


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_form_body_marks_viewed(
    api: APIClient,
    environment: Environment,
    owner: User,
    recording: SessionRecording,
    method: str,
    encoding: str,
) -> None:
    response = _send(api, method, _path(environment), {"viewed": "true"}, encoding)

    assert response.status_code == 200
    assert response.json()["viewed"] is True
    assert response.json()["success"] is True
    assert SessionRecordingViewed.objects.filter(user=owner, session_id="form-1").exists()


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_body_without_viewed_leaves_the_mark_alone(
    api: APIClient, environment: Environment, owner: User, recording: SessionRecording, encoding: str
) -> None:
    SessionRecordingViewed.objects.create(environment=environment, user=owner, session_id="form-1")

    response = _send(api, "patch", _path(environment), {"analyzed": "true"}, encoding)

    assert response.status_code == 200
    assert response.json()["viewed"] is True
    assert SessionRecordingViewed.objects.filter(user=owner, session_id="form-1").count() == 1


def test_the_published_example_is_a_no_op_200(
    api: APIClient, environment: Environment, owner: User, recording: SessionRecording
) -> None:
    response = _send(api, "patch", _path(environment), {"distinct_id": "string"}, "urlencoded")

    assert response.status_code == 200
    assert response.json()["distinct_id"] == recording.distinct_id
    assert not SessionRecordingViewed.objects.exists()


def test_a_form_body_with_nothing_writable_is_400(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    response = _send(api, "patch", _path(environment), {"viewed": "false"}, "urlencoded")

    assert response.status_code == 400
    assert response.json()["detail"] == "At least one of 'viewed' or 'analyzed' must be provided."

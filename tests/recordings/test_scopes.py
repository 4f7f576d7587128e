"""Every action of the recordings viewset mapped to a scope and reachable with a personal key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.views.recordings import SessionRecordingViewSet
from recordings_api.models import Environment, User
from recordings_api.tenancy import SCOPE_REGISTRY
from tests.recordings.conftest import make_recording

pytestmark = pytest.mark.django_db

# action → (HTTP method, path after session_recordings/ ({id} = a recording), JSON body, scope level)
ACTIONS: dict[str, tuple[str, str, dict[str, Any] | None, str]] = {
    "list": ("get", "", None, "read"),
    "retrieve": ("get", "{id}/", None, "read"),
    "update": ("put", "{id}/", {"viewed": True}, "write"),
    "partial_update": ("patch", "{id}/", {"viewed": True}, "write"),
    "destroy": ("delete", "{id}/", None, "write"),
    "persist": ("post", "{id}/persist/", None, "write"),
    "viewed": ("get", "{id}/viewed/", None, "read"),
    "similar_sessions": ("get", "{id}/similar_sessions/", None, "read"),
    "summarize": ("post", "{id}/summarize/", None, "read"),
    "matching_events": ("get", 'matching_events/?session_ids=["{id}"]&events=[{"id":null}]', None, "read"),
    "properties": ("get", 'properties/?session_ids=["{id}"]', None, "read"),
    "batch_check_exists": ("post", "batch_check_exists/", {"session_ids": ["{id}"]}, "read"),
    "bulk_delete": ("post", "bulk_delete/", {"session_recording_ids": ["{id}"]}, "write"),
    "bulk_viewed": ("post", "bulk_viewed/", {"session_recording_ids": ["{id}"]}, "write"),
    "bulk_not_viewed": ("post", "bulk_not_viewed/", {"session_recording_ids": ["{id}"]}, "write"),
}
SUCCESS = {"destroy": 204}


def test_every_action_is_mapped() -> None:
    mapping = SCOPE_REGISTRY[SessionRecordingViewSet]

    assert mapping == {name: ("session_recording", level) for name, (*_, level) in ACTIONS.items()}


def _call(client: APIClient, environment: Environment, prefix: str, action: str) -> Any:
    recording = make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)
    method, path, body, _ = ACTIONS[action]
    url = f"/api/{prefix}/{environment.id}/session_recordings/" + path.replace("{id}", recording.session_id)
    if body is not None:
        body = {
            key: [item.replace("{id}", recording.session_id) for item in value]
            if isinstance(value, list)
            else value
            for key, value in body.items()
        }
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_scope_matrix(
    key_client: Callable[..., APIClient], environment: Environment, prefix: str, action: str
) -> None:
    level = ACTIONS[action][3]
    reader = key_client(["session_recording:read"])
    writer = key_client(["session_recording:write"])
    unrelated = key_client(["session_recording_playlist:write", "sharing_configuration:write"])

    read_response = _call(reader, environment, prefix, action)
    write_response = _call(writer, environment, prefix, action)
    unrelated_response = _call(unrelated, environment, prefix, action)
    anonymous_response = _call(APIClient(), environment, prefix, action)

    assert write_response.status_code == SUCCESS.get(action, 200), write_response.content
    if level == "read":
        assert read_response.status_code == SUCCESS.get(action, 200), read_response.content
        missing = "session_recording:read"
    else:
        assert read_response.status_code == 403
        assert read_response.json()["detail"] == "API key missing required scope 'session_recording:write'"
        missing = "session_recording:write"
    assert unrelated_response.status_code == 403
    assert unrelated_response.json()["detail"] == f"API key missing required scope '{missing}'"
    assert anonymous_response.status_code == 401


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_outsider_gets_404(
    key_client: Callable[..., APIClient], outsider: User, environment: Environment, action: str
) -> None:
    response = _call(key_client(["*"], user=outsider), environment, "projects", action)

    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_key_scoped_to_another_team_is_forbidden(
    key_client: Callable[..., APIClient], environment: Environment, other_environment: Environment
) -> None:
    client = key_client(["*"], scoped_teams=[other_environment.id])

    response = _call(client, environment, "environments", "list")

    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == f"API key does not have access to the requested project: ID {environment.id}."
    )

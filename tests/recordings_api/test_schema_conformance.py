"""The OpenAPI document describes what the endpoints really return.

Each case performs a real request and validates the response body against the schema the
document declares for that path, method and status (OpenAPI 3.0 semantics, ``$ref``s resolved).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from pytest_django import DjangoDbBlocker
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment
from tests.factories import SessionRecordingFactory

pytestmark = pytest.mark.django_db

PREFIX = "/api/projects/{project_id}"


@pytest.fixture(scope="module")
def schema(django_db_blocker: DjangoDbBlocker) -> dict[str, Any]:
    from django.test import Client

    with django_db_blocker.unblock():
        return json.loads(Client().get("/api/schema/?format=json").content)


def _resolve(node: Any, components: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolve(components[name], components)
        return {key: _resolve(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, components) for item in node]
    return node


def assert_conforms(schema: dict[str, Any], template: str, method: str, response: Any) -> None:
    operation = schema["paths"][template][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {template} answered undocumented {response.status_code}"
    content = documented.get("content")
    if content is None:
        assert not response.content, f"{method.upper()} {template}: body where none is documented"
        return
    body_schema = _resolve(content["application/json"]["schema"], schema["components"]["schemas"])
    errors = sorted(OAS30Validator(body_schema).iter_errors(response.json()), key=str)
    assert not errors, f"{method.upper()} {template} {response.status_code}: {errors[0].message}"


@pytest.fixture
def recording(environment: Environment) -> SessionRecording:
    return SessionRecordingFactory.create(environment=environment)


def test_recordings_endpoints_conform(
    schema: dict[str, Any], api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    base = f"/api/projects/{environment.id}/session_recordings/"
    detail = f"{base}{recording.session_id}/"
    cases = [
        ("/session_recordings/", "get", api.get(base)),
        ("/session_recordings/{id}/", "get", api.get(detail)),
        ("/session_recordings/{id}/", "get", api.get(f"{base}missing/")),
        ("/session_recordings/{id}/", "patch", api.patch(detail, {"viewed": True}, format="json")),
        ("/session_recordings/{id}/viewed/", "get", api.get(f"{detail}viewed/")),
        ("/session_recordings/{id}/similar_sessions/", "get", api.get(f"{detail}similar_sessions/")),
        ("/session_recordings/{id}/summarize/", "post", api.post(f"{detail}summarize/")),
        ("/session_recordings/{id}/persist/", "post", api.post(f"{detail}persist/")),
        (
            "/session_recordings/bulk_viewed/",
            "post",
            api.post(f"{base}bulk_viewed/", {"session_recording_ids": [recording.session_id]}, format="json"),
        ),
        ("/session_recordings/{recording_id}/snapshots/", "get", api.get(f"{detail}snapshots/")),
        ("/session_recordings/{recording_id}/sharing/", "get", api.get(f"{detail}sharing/")),
        (
            "/session_recordings/{recording_id}/sharing/",
            "patch",
            api.patch(f"{detail}sharing/", {"enabled": True}, format="json"),
        ),
        ("/session_recordings/{id}/", "delete", api.delete(detail)),
    ]
    for template, method, response in cases:
        assert_conforms(schema, PREFIX + template, method, response)


def test_playlists_endpoints_conform(
    schema: dict[str, Any], api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    base = f"/api/projects/{environment.id}/session_recording_playlists/"
    created = api.post(base, {"name": "Pinned", "type": "collection"}, format="json")
    short_id = created.json()["short_id"]
    detail = f"{base}{short_id}/"
    cases = [
        ("/session_recording_playlists/", "post", created),
        ("/session_recording_playlists/", "post", api.post(base, {"name": "No type"}, format="json")),
        ("/session_recording_playlists/", "get", api.get(base)),
        ("/session_recording_playlists/{short_id}/", "get", api.get(detail)),
        (
            "/session_recording_playlists/{short_id}/",
            "patch",
            api.patch(detail, {"pinned": True}, format="json"),
        ),
        (
            "/session_recording_playlists/{short_id}/recordings/{session_recording_id}/",
            "post",
            api.post(f"{detail}recordings/{recording.session_id}/"),
        ),
        ("/session_recording_playlists/{short_id}/recordings/", "get", api.get(f"{detail}recordings/")),
    ]
    for template, method, response in cases:
        assert_conforms(schema, PREFIX + template, method, response)
    # No hard delete: DELETE is not documented, and its 405 says which methods are.
    hard_delete = api.delete(detail)
    assert "delete" not in schema["paths"][PREFIX + "/session_recording_playlists/{short_id}/"]
    assert (hard_delete.status_code, "DELETE" in hard_delete["Allow"]) == (405, False)

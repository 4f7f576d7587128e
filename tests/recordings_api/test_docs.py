"""The documentation: the root redirect, summaries, examples, the capture tag, indented JSON."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.test import Client
from rest_framework.test import APIClient

from recordings_api.models import Environment

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    document: dict[str, Any] = orjson.loads(response.content)
    return document


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]


def test_root_redirects_to_the_docs(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/api/schema/swagger-ui/"


def test_every_operation_has_a_summary(schema: dict[str, Any]) -> None:
    missing = [(path, method) for path, method, op in _operations(schema) if not op.get("summary")]

    assert missing == []
    assert schema["paths"]["/api/projects/{project_id}/session_recordings/"]["get"]["summary"] == (
        "List session recordings"
    )
    pin = schema["paths"][
        "/api/projects/{project_id}/session_recording_playlists/{short_id}/recordings/{session_recording_id}/"
    ]
    assert (pin["post"]["summary"], pin["delete"]["summary"]) == (
        "Pin a recording to a playlist",
        "Unpin a recording from a playlist",
    )


def test_errors_and_key_operations_carry_examples(schema: dict[str, Any]) -> None:
    listing = schema["paths"]["/api/projects/{project_id}/session_recordings/"]["get"]
    forbidden = listing["responses"]["403"]["content"]["application/json"]["examples"]["error"]["value"]
    snapshots = schema["paths"]["/api/projects/{project_id}/session_recordings/{recording_id}/snapshots/"][
        "get"
    ]
    create = schema["paths"]["/api/projects/{project_id}/session_recording_playlists/"]["post"]

    assert forbidden["code"] == "permission_denied"
    assert set(forbidden) == {"type", "code", "detail", "attr"}
    assert "sources" in str(snapshots["responses"]["200"]["content"]["application/json"]["examples"])
    assert create["requestBody"]["content"]["application/json"]["examples"]


def test_capture_endpoints_have_their_own_tag(schema: dict[str, Any]) -> None:
    capture = {path: item["post"] for path, item in schema["paths"].items() if not path.startswith("/api/")}

    assert sorted(capture) == ["/batch/", "/capture/", "/e/", "/i/v0/e/", "/s/", "/track/"]
    assert {tag for op in capture.values() for tag in op["tags"]} == {"Capture"}
    assert "Capture" in [tag["name"] for tag in schema["tags"]]
    snapshot_batch = capture["/s/"]
    assert snapshot_batch["security"] == []
    assert snapshot_batch["requestBody"]["content"]["application/json"]["example"][0]["event"] == "$snapshot"
    assert snapshot_batch["responses"]["401"]["content"]["application/json"]["example"]["code"] == (
        "authentication_failed"
    )


def test_json_is_indented_on_request_and_compact_by_default(api: APIClient, environment: Environment) -> None:
    url = f"/api/projects/{environment.id}/session_recordings/"

    compact = api.get(url, HTTP_ACCEPT="application/json").content
    indented = api.get(url, HTTP_ACCEPT="application/json; indent=4").content

    assert b"\n" not in compact
    assert indented.startswith(b'{\n  "')
    assert orjson.loads(indented) == orjson.loads(compact)


def test_browsable_api_shows_indented_json(staff_client: Client, environment: Environment) -> None:
    page = staff_client.get(f"/api/projects/{environment.id}/session_recordings/", HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    assert (
        "{\n  &quot;count&quot;: 0," in page.content.decode() or '{\n  "count": 0,' in page.content.decode()
    )

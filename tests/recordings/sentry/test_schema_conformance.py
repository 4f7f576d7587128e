"""The OpenAPI document describes what the Sentry face really returns (bodies and errors)."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Organization, User
from tests.recordings_api.test_schema_conformance import assert_conforms, schema  # noqa: F401 (fixture)


def test_sentry_endpoints_conform(
    schema: dict[str, Any],  # noqa: F811
    api: APIClient,
    organization: Organization,
    replay: SessionRecording,
    owner: User,
) -> None:
    org = f"/api/0/organizations/{organization.slug}"
    cases = [
        ("/api/0/organizations/", "get", api.get("/api/0/organizations/")),
        ("/api/0/organizations/", "get", APIClient().get("/api/0/organizations/")),
        ("/api/0/organizations/{organization_id_or_slug}/", "get", api.get(f"{org}/")),
        ("/api/0/organizations/{organization_id_or_slug}/", "get", api.get("/api/0/organizations/nope/")),
        ("/api/0/organizations/{organization_id_or_slug}/projects/", "get", api.get(f"{org}/projects/")),
        ("/api/0/organizations/{organization_id_or_slug}/replays/", "get", api.get(f"{org}/replays/")),
        (
            "/api/0/organizations/{organization_id_or_slug}/replays/",
            "get",
            api.get(f"{org}/replays/?field=id&field=user"),
        ),
        ("/api/0/organizations/{organization_id_or_slug}/replays/", "get", api.get(f"{org}/replays/?sort=x")),
        (
            "/api/0/organizations/{organization_id_or_slug}/replays/",
            "get",
            api.get(f"{org}/replays/?field=x"),
        ),
    ]
    DeletedRecording.objects.create(
        environment_id=replay.environment_id, session_id="d" * 32, deleted_by=owner
    )
    with_archived = api.get(f"{org}/replays/?field=id&field=tags&field=count_errors&field=started_at")
    assert [row["id"] for row in with_archived.json()["data"]] == [replay.session_id, "d" * 32]
    cases.append(("/api/0/organizations/{organization_id_or_slug}/replays/", "get", with_archived))
    cases.append(
        ("/api/0/organizations/{organization_id_or_slug}/replays/", "get", api.get(f"{org}/replays/"))
    )
    assert [response.status_code for _, _, response in cases] == [
        *(200, 401, 200, 404, 200, 200, 200, 400, 400),
        *(200, 200),
    ]
    for template, method, response in cases:
        assert_conforms(schema, template, method, response)

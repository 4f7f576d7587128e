"""The OpenAPI document describes what the Sentry face's replay endpoints really return: the
bodies, the archived placeholder, the empty 404s and Sentry's 400s (downloads stream and are
checked by their own tests)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment, Organization
from tests.recordings.sentry_replay_support import ingest_fixture_replay
from tests.recordings_api.test_schema_conformance import assert_conforms, schema  # noqa: F401 (fixture)
from tests.snapshots.sentry_support import FIXTURE_REPLAY_ID
from tests.snapshots.test_capture_support import embedded_buffer  # noqa: F401

pytestmark = pytest.mark.usefixtures("embedded_buffer")
PROJECT = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/"
ORGANIZATION = "/api/0/organizations/{organization_id_or_slug}/"


@pytest.fixture
def replay(environment: Environment) -> SessionRecording:
    return ingest_fixture_replay(environment)


def test_replay_endpoints_conform(
    schema: dict[str, Any],  # noqa: F811
    api: APIClient,
    organization: Organization,
    environment: Environment,
    replay: SessionRecording,
) -> None:
    project = f"/api/0/projects/{organization.slug}/{environment.slug}/replays/"
    org = f"/api/0/organizations/{organization.slug}/"
    one = f"{project}{FIXTURE_REPLAY_ID}/"
    cases = [
        (PROJECT + "{replay_id}/", "get", api.get(one), 200),
        (PROJECT + "{replay_id}/", "get", api.get(one + "?field=id&field=clicks"), 200),
        (PROJECT + "{replay_id}/", "get", api.get(one + "?field=x"), 400),
        (PROJECT + "{replay_id}/", "get", api.get(f"{project}{'0' * 32}/"), 404),
        (PROJECT + "{replay_id}/recording-segments/", "get", api.get(one + "recording-segments/"), 200),
        (
            PROJECT + "{replay_id}/recording-segments/",
            "get",
            api.get(one + "recording-segments/?per_page=x"),
            400,
        ),
        (
            PROJECT + "{replay_id}/recording-segments/{segment_id}/",
            "get",
            api.get(one + "recording-segments/0/"),
            200,
        ),
        (
            PROJECT + "{replay_id}/recording-segments/{segment_id}/",
            "get",
            api.get(one + "recording-segments/9/"),
            404,
        ),
        (PROJECT + "{replay_id}/clicks/", "get", api.get(one + "clicks/"), 200),
        (PROJECT + "{replay_id}/clicks/", "get", api.get(one + "clicks/?query=nope:1"), 400),
        (PROJECT + "{replay_id}/viewed-by/", "post", api.post(one + "viewed-by/"), 204),
        (PROJECT + "{replay_id}/viewed-by/", "get", api.get(one + "viewed-by/"), 200),
        (PROJECT + "tags/", "get", api.get(project + "tags/"), 200),
        (PROJECT + "tags/{key}/values/", "get", api.get(project + "tags/plan/values/"), 200),
        (PROJECT + "tags/{key}/values/", "get", api.get(project + "tags/plan/values/?sort=x"), 400),
        (ORGANIZATION + "replays/{replay_id}/", "get", api.get(f"{org}replays/{FIXTURE_REPLAY_ID}/"), 200),
        (
            ORGANIZATION + "replay-count/",
            "get",
            api.get(f"{org}replay-count/?query=replay_id:[{FIXTURE_REPLAY_ID}]"),
            200,
        ),
        (ORGANIZATION + "replay-count/", "get", api.get(f"{org}replay-count/"), 400),
        (ORGANIZATION + "replay-selectors/", "get", api.get(f"{org}replay-selectors/"), 200),
        (ORGANIZATION + "replay-selectors/", "get", api.get(f"{org}replay-selectors/?sort=x"), 400),
        (ORGANIZATION + "tags/", "get", api.get(f"{org}tags/?dataset=replays"), 200),
        (ORGANIZATION + "tags/", "get", api.get(f"{org}tags/?dataset=events"), 400),
        (ORGANIZATION + "tags/{key}/values/", "get", api.get(f"{org}tags/release/values/"), 200),
        (PROJECT + "{replay_id}/", "delete", api.delete(one), 204),
        (PROJECT + "{replay_id}/", "get", api.get(one), 200),  # archived
        (PROJECT + "{replay_id}/", "delete", api.delete(one), 404),
    ]
    assert [response.status_code for _, _, response, _ in cases] == [status for *_, status in cases]
    for template, method, response, _ in cases:
        assert_conforms(schema, template, method, response)

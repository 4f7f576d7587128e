"""``replay-count``, ``replay-selectors`` and the tag endpoints (project, and the organization's with
``dataset=replays``) through real URLs: full bodies on the real SDK's replay and a posthog-js
recording, and Sentry's 400s."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db.models import Max
from rest_framework import serializers
from rest_framework.test import APIClient

from recordings.models import ErrorIssue, SessionRecording
from recordings_api.models import Environment, Organization
from tests.factories import SessionRecordingFactory
from tests.recordings.sentry_replay_support import ingest_fixture_replay
from tests.snapshots.sentry_support import FIXTURE_REPLAY_ID
from tests.snapshots.test_capture_support import embedded_buffer  # noqa: F401

pytestmark = pytest.mark.usefixtures("embedded_buffer")
POSTHOG_SESSION = "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000"


def iso(moment: Any) -> str:
    return serializers.DateTimeField().to_representation(moment)


@pytest.fixture
def replay(environment: Environment) -> SessionRecording:
    return ingest_fixture_replay(environment)


@pytest.fixture
def posthog_recording(environment: Environment) -> SessionRecording:
    """A posthog-js recording whose first event said Firefox on Linux, release shop@1.2.4."""
    return SessionRecordingFactory.create(
        environment=environment,
        session_id=POSTHOG_SESSION,
        browser_name="Firefox",
        os_name="Linux",
        releases=["shop@1.2.4"],
        sdk_name="posthog-js",
        platform="javascript",
        replay_type="session",
        visited_urls=["https://example.com/"],
        url_count=1,
    )


def org(organization: Organization, rest: str) -> str:
    return f"/api/0/organizations/{organization.slug}/{rest}"


def test_replay_count_by_replay_id(
    api: APIClient, replay: SessionRecording, organization: Organization
) -> None:
    dashed = str(uuid.UUID(FIXTURE_REPLAY_ID))
    response = api.get(org(organization, "replay-count/"), {"query": f"replay_id:[{dashed},{'1' * 32}]"})
    assert response.status_code == 200, response.content
    assert response.json() == {dashed: 1, "1" * 32: 0}
    ids = api.get(org(organization, "replay-count/"), {"query": f"replay_id:[{dashed}]", "returnIds": "true"})
    assert ids.json() == {dashed: [FIXTURE_REPLAY_ID]}
    # An issue that does not exist (ids come from a sequence that tests do not roll back).
    missing = str((ErrorIssue.objects.aggregate(Max("id"))["id__max"] or 0) + 1)
    assert api.get(org(organization, "replay-count/"), {"query": f"issue.id:[{missing}]"}).json() == {
        missing: 0
    }


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", "Must provide at least one issue.id, transaction, or replay_id"),
        ("issue.id:[1] transaction:[a]", "Must provide only one of: issue.id, transaction, replay_id"),
        ("replay_id:abc", "Condition value must be a list of strings"),
        ("transaction:[" + ",".join(f"t{n}" for n in range(26)) + "]", "Too many values provided"),
    ],
)
def test_replay_count_400s(api: APIClient, organization: Organization, query: str, detail: str) -> None:
    response = api.get(org(organization, "replay-count/"), {"query": query})
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_replay_selectors(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    response = api.get(org(organization, "replay-selectors/"))
    assert response.status_code == 200, response.content

    def row(tag: str, element_id: str, dead: int, rage: int) -> dict[str, Any]:
        element = {
            "alt": "",
            "aria_label": "",
            "class": [],
            "id": element_id,
            "project_id": environment.id,
            "role": "",
            "tag": tag,
            "testid": "",
            "title": "",
        }
        return {
            "count_dead_clicks": dead,
            "count_rage_clicks": rage,
            "dom_element": f"{tag}#{element_id}",
            "element": element,
            "project_id": environment.id,
        }

    assert response.json() == {
        "data": [row("a", "nav", 1, 0), row("button", "dead", 1, 1), row("button", "err", 1, 0)]
    }
    rage = api.get(org(organization, "replay-selectors/"), {"sort": "-count_rage_clicks", "per_page": "1"})
    assert rage.json() == {"data": [row("button", "dead", 1, 1)]}
    assert 'rel="next"; results="true"; cursor="0:1:0"' in rage["Link"]
    query = api.get(org(organization, "replay-selectors/"), {"query": "count_rage_clicks:>0"})
    assert query.json() == {"data": [row("button", "dead", 1, 1)]}
    other = api.get(org(organization, "replay-selectors/"), {"environment": "production"})
    assert other.json() == {"data": []}
    for params, detail in [
        ({"sort": "tag"}, "The field `tag` is not a sortable field."),
        ({"query": "tag:a"}, "Unsupported search field: tag"),
        (
            {"query": "count_dead_clicks:>x"},
            "Could not parse value for `count_dead_clicks`. Detail: Failed to parse float.",
        ),
    ]:
        bad = api.get(org(organization, "replay-selectors/"), params)
        assert (bad.status_code, bad.json()) == (400, {"detail": detail}), params


def test_project_tag_keys_for_both_sdks(
    api: APIClient,
    replay: SessionRecording,
    posthog_recording: SessionRecording,
    organization: Organization,
    environment: Environment,
) -> None:
    response = api.get(f"/api/0/projects/{organization.slug}/{environment.slug}/replays/tags/")
    assert response.status_code == 200, response.content
    assert response.json() == [
        {"key": "browser.name", "name": "Browser.Name", "totalValues": 2},
        {"key": "browser.version", "name": "Browser.Version", "totalValues": 1},
        {"key": "environment", "name": "Environment", "totalValues": 1},
        {"key": "os.name", "name": "Os.Name", "totalValues": 2},
        {"key": "plan", "name": "Plan", "totalValues": 1},
        {"key": "platform", "name": "Platform", "totalValues": 2},
        {"key": "release", "name": "Release", "totalValues": 2},
        {"key": "replay_type", "name": "Replay Type", "totalValues": 2},
        {"key": "sdk.name", "name": "Sdk.Name", "totalValues": 2},
        {"key": "sdk.version", "name": "Sdk.Version", "totalValues": 1},
        {"key": "url", "name": "URL", "totalValues": 2},
        {"key": "user.email", "name": "User.Email", "totalValues": 1},
        {"key": "user.id", "name": "User.Id", "totalValues": 1},
        {"key": "user.ip", "name": "User.Ip", "totalValues": 1},
    ]


def test_project_tag_values(
    api: APIClient,
    replay: SessionRecording,
    posthog_recording: SessionRecording,
    organization: Organization,
    environment: Environment,
) -> None:
    base = f"/api/0/projects/{organization.slug}/{environment.slug}/replays/tags/"
    response = api.get(base + "browser.name/values/")
    assert response.status_code == 200, response.content

    def value(key: str, text: str, recording: SessionRecording) -> dict[str, Any]:
        return {
            "key": key,
            "name": text,
            "value": text,
            "count": 1,
            "lastSeen": iso(recording.end_time),
            "firstSeen": iso(recording.start_time),
        }

    assert response.json() == [
        value("browser.name", "Chrome", replay),
        value("browser.name", "Firefox", posthog_recording),
    ]
    assert api.get(base + "plan/values/", {"query": "R"}).json() == [value("plan", "pro", replay)]
    latest = api.get(base + "release/values/", {"sort": "-last_seen"}).json()
    newest_first = sorted(
        [(replay.end_time, "shop@1.2.3"), (posthog_recording.end_time, "shop@1.2.4")], reverse=True
    )
    assert [row["value"] for row in latest] == [release for _, release in newest_first]
    for path, params, detail in [
        ("bad key!/values/", {}, 'Invalid tag key format for "bad key!"'),
        (
            "plan/values/",
            {"sort": "value"},
            "Invalid sort parameter. Please use one of: -last_seen or -count",
        ),
    ]:
        bad = api.get(base + path, params)
        assert (bad.status_code, bad.json()) == (400, {"detail": detail})


def test_organization_tags_with_the_replays_dataset(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    keys = api.get(
        org(organization, "tags/"),
        {"dataset": "replays", "project": str(environment.id), "statsPeriod": "14d"},
    )
    assert keys.status_code == 200, keys.content
    assert {"key": "plan", "name": "Plan", "totalValues": 1} in keys.json()
    values = api.get(org(organization, "tags/plan/values/"), {"dataset": "replays"})
    assert [row["value"] for row in values.json()] == ["pro"]
    old = api.get(
        org(organization, "tags/"), {"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}
    )
    assert old.json() == []
    bad = api.get(org(organization, "tags/"), {"dataset": "events"})
    assert (bad.status_code, bad.json()) == (400, {"detail": "Invalid dataset parameter"})

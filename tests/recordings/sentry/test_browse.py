"""``GET /api/0/organizations/{org}/replays/``: the seed's replay object for every recording,
``field``, every sort member, pagination with the ``Link`` header, the 400s and the matrix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.metrics import order_fields
from recordings.models import SessionRecording, SessionRecordingViewed
from recordings_api.models import Environment, Organization, User
from recordings_api.services import environment_create
from tests.factories import SessionRecordingFactory
from tests.recordings.sentry.conftest import REPLAY_ID, sentry_replay

NOT_FOUND = {"detail": "The requested resource does not exist"}


def url(organization: Organization, query: str = "") -> str:
    return f"/api/0/organizations/{organization.slug}/replays/" + (f"?{query}" if query else "")


def iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def expected_replay(recording: SessionRecording, **overrides: Any) -> dict[str, Any]:
    body = {
        "activity": 4,
        "browser": {"name": "Chrome", "version": "156.0.0"},
        "count_dead_clicks": 1,
        "count_rage_clicks": 1,
        "count_errors": 1,
        "count_warnings": 0,
        "count_infos": 0,
        "count_segments": 2,
        "count_urls": 3,
        "device": {"brand": None, "family": "Other", "model_id": None, "model": None, "name": None},
        "dist": None,
        "duration": 13,
        "environment": "e2e",
        "error_ids": ["7697" + "0" * 28],
        "warning_ids": [],
        "info_ids": [],
        "finished_at": iso(recording.end_time),
        "id": REPLAY_ID,
        "is_archived": False,
        "has_viewed": False,
        "os": {"name": "Linux", "version": None},
        "platform": "javascript",
        "project_id": str(recording.environment_id),
        "releases": ["e2e@1.0.0"],
        "replay_type": "session",
        "sdk": {"name": "sentry.javascript.browser", "version": "11.12.0"},
        "started_at": iso(recording.start_time),
        "tags": {"plan": ["free"]},
        "trace_ids": ["a" * 32],
        "urls": ["http://app.test/", "http://app.test/checkout", "http://app.test/"],
        "user": {
            "id": "u1",
            "username": "user one",
            "email": "u1@example.com",
            "ip": "127.0.0.1",
            "ip_address": "127.0.0.1",
            "display_name": "user one",
        },
    }
    body.update(overrides)
    return body


def test_browse_full_body(api: APIClient, organization: Organization, replay: SessionRecording) -> None:
    response = api.get(url(organization))
    assert response.status_code == 200, response.content
    assert response.json() == {"data": [expected_replay(replay)]}
    base = f"http://testserver{url(organization)}"
    assert response["Link"] == (
        f'<{base}?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
        f'<{base}?&cursor=0:10:0>; rel="next"; results="false"; cursor="0:10:0"'
    )


def test_has_viewed_is_the_requesting_users(
    api: APIClient, organization: Organization, replay: SessionRecording, owner: User, teammate: User
) -> None:
    SessionRecordingViewed.objects.create(
        environment_id=replay.environment_id, session_id=REPLAY_ID, user=teammate
    )
    assert api.get(url(organization)).json()["data"][0]["has_viewed"] is False
    SessionRecordingViewed.objects.create(
        environment_id=replay.environment_id, session_id=REPLAY_ID, user=owner
    )
    assert api.get(url(organization)).json()["data"][0]["has_viewed"] is True


def test_a_posthog_js_recording_is_a_replay_too(
    api: APIClient, organization: Organization, environment: Environment
) -> None:
    session_id = "0192b0a8-5a3e-7c1b-9d2e-3f4a5b6c7d8e"
    recording = SessionRecordingFactory.create(
        environment=environment,
        session_id=session_id,
        sdk_name="posthog-js",
        sdk_version="1.200.0",
        platform="javascript",
        browser_name="Chrome",
        visited_urls=["https://example.com/"],
        url_count=1,
        segment_count=1,
    )
    data = api.get(url(organization)).json()["data"]
    assert len(data) == 1
    assert data[0]["id"] == session_id.replace("-", "")
    assert data[0]["sdk"] == {"name": "posthog-js", "version": "1.200.0"}
    assert data[0]["duration"] == 120 and data[0]["activity"] == 1
    assert data[0]["user"]["display_name"] is None
    assert set(data[0]) == set(expected_replay(recording))


def test_field_restricts_keys(api: APIClient, organization: Organization, replay: SessionRecording) -> None:
    response = api.get(url(organization, "field=id&field=user&field=count_errors&field=clicks"))
    assert response.json() == {
        "data": [
            {
                "id": REPLAY_ID,
                "user": expected_replay(replay)["user"],
                "count_errors": 1,
                "clicks": [],
            }
        ]
    }


def test_invalid_field_is_a_400(api: APIClient, organization: Organization) -> None:
    response = api.get(url(organization, "field=id&field=nope"))
    assert (response.status_code, response.json()) == (400, {"field": ['"nope" is not a valid choice.']})


SEED_SORTS = [
    "projectId", "-projectId", "startedAt", "-startedAt", "finishedAt", "-finishedAt",
    "duration", "-duration", "countErrors", "-countErrors",
]  # fmt: skip
REFERENCE_SORTS = [
    "activity", "browser", "browser.name", "browser.version", "count_dead_clicks", "count_errors",
    "count_warnings", "count_infos", "count_rage_clicks", "count_urls", "device.brand", "device.family",
    "device.model", "device.name", "dist", "duration", "finished_at", "os", "os.name", "os_name",
    "os.version", "platform", "project_id", "started_at", "sdk.name", "user.email", "user.id",
    "user.username",
]  # fmt: skip


@pytest.fixture
def three(organization: Organization, environment: Environment) -> list[SessionRecording]:
    """Three replays whose every sort key orders them a, b, c (ascending)."""
    other = environment_create(project=environment.project, name="Staging")
    now = timezone.now().replace(microsecond=0)
    rows = []
    for index, (env, letter) in enumerate([(environment, "a"), (environment, "b"), (other, "c")]):
        rows.append(
            sentry_replay(
                env,
                session_id=f"{index + 1:032x}",
                start_time=now - timedelta(hours=3 - index),
                end_time=now - timedelta(hours=3 - index) + timedelta(seconds=10 * (index + 1)),
                browser_name=f"{letter}-browser",
                browser_version=f"{index}.0",
                device_brand=letter,
                device_family=letter,
                device_model=letter,
                device_name=letter,
                dist=letter,
                os_name=letter,
                os_version=letter,
                platform=letter,
                sdk_name=letter,
                app_user_email=f"{letter}@x.test",
                app_user_id=letter,
                app_user_username=letter,
                error_count=index,
                warning_count=index,
                info_count=index,
                url_count=index * 4,
                dead_click_count=index,
                rage_click_count=index,
                tags={},
            )
        )
    return rows


@pytest.mark.parametrize("sort", [*SEED_SORTS, *REFERENCE_SORTS])
def test_every_sort_member(
    api: APIClient, organization: Organization, three: list[SessionRecording], sort: str
) -> None:
    response = api.get(url(organization, f"sort={sort}&field=id"))
    assert response.status_code == 200, response.content
    ascending = [f"{n:032x}" for n in (1, 2, 3)]
    expected = ascending[::-1] if sort.startswith("-") else ascending
    assert [row["id"] for row in response.json()["data"]] == expected


def test_sort_members_are_the_registrys() -> None:
    assert {member.removeprefix("-") for member in (*SEED_SORTS, *REFERENCE_SORTS)} <= set(
        order_fields("sentry")
    )


def test_default_sort_is_newest_first(api: APIClient, organization: Organization, three: list) -> None:
    assert [row["id"] for row in api.get(url(organization, "field=id")).json()["data"]] == [
        f"{n:032x}" for n in (3, 2, 1)
    ]


def test_unknown_sort_is_a_400(api: APIClient, organization: Organization) -> None:
    response = api.get(url(organization, "sort=-nope"))
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The field `nope` is not a sortable field."},
    )


def test_limit_offset_and_cursor_pages(api: APIClient, organization: Organization, three: list) -> None:
    first = api.get(url(organization, "field=id&limit=2"))
    assert [row["id"] for row in first.json()["data"]] == [f"{n:032x}" for n in (3, 2)]
    base = f"http://testserver{url(organization)}?field=id&limit=2"
    assert first["Link"] == (
        f'<{base}&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
        f'<{base}&cursor=0:2:0>; rel="next"; results="true"; cursor="0:2:0"'
    )
    second = api.get(url(organization, "field=id&limit=2&cursor=0:2:0"))
    assert [row["id"] for row in second.json()["data"]] == [f"{1:032x}"]
    assert 'rel="previous"; results="true"; cursor="0:0:1"' in second["Link"]
    assert 'rel="next"; results="false"; cursor="0:4:0"' in second["Link"]
    by_offset = api.get(url(organization, "field=id&per_page=1&offset=1"))
    assert [row["id"] for row in by_offset.json()["data"]] == [f"{2:032x}"]


def test_project_and_environment_parameters(
    api: APIClient, organization: Organization, environment: Environment, three: list[SessionRecording]
) -> None:
    staging = three[2].environment_id

    def ids(query: str) -> list[str]:
        response = api.get(url(organization, f"field=id&{query}"))
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["data"]]

    assert ids(f"project={staging}") == [f"{3:032x}"]
    assert ids(f"project={environment.id}&project={staging}") == [f"{n:032x}" for n in (3, 2, 1)]
    assert ids("project=-1") == [f"{n:032x}" for n in (3, 2, 1)]
    assert ids(f"projectSlug={environment.slug}") == [f"{n:032x}" for n in (2, 1)]
    assert ids("environment=e2e") == [f"{n:032x}" for n in (3, 2, 1)]
    assert ids("environment=production") == []
    assert ids(f"project={staging}&queryReferrer=issueReplays") == [f"{n:032x}" for n in (3, 2, 1)]


def test_time_window(api: APIClient, organization: Organization, three: list[SessionRecording]) -> None:
    def ids(query: str) -> list[str]:
        response = api.get(url(organization, f"field=id&{query}"))
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["data"]]

    assert ids("statsPeriod=90m") == [f"{3:032x}"]
    assert ids("statsPeriod=7200s") == [f"{n:032x}" for n in (3, 2)]
    assert ids("statsPeriod=1w") == [f"{n:032x}" for n in (3, 2, 1)]
    old = SessionRecordingFactory.create(
        environment=three[0].environment, start_time=timezone.now() - timedelta(days=8)
    )
    assert old.session_id.replace("-", "") not in ids("")
    assert old.session_id.replace("-", "") in ids("statsPeriod=9d")
    start = (three[1].start_time - timedelta(seconds=1)).isoformat()
    end = (three[1].end_time + timedelta(seconds=1)).isoformat()
    assert ids(f"start={start.replace('+', '%2B')}&end={end.replace('+', '%2B')}") == [f"{2:032x}"]
    epoch = int(three[1].start_time.timestamp())
    assert ids(f"start={epoch}&end={epoch + 5}") == [f"{2:032x}"]


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("statsPeriod=7x", {"detail": "Invalid statsPeriod: '7x'"}),
        ("start=2026-01-01T00:00:00", {"detail": "start and end are both required"}),
        ("end=2026-01-01T00:00:00", {"detail": "start and end are both required"}),
        ("start=yesterday&end=today", {"detail": "yesterday is not a valid ISO8601 date query"}),
        ("start=2026-01-02T00:00:00&end=2026-01-01T00:00:00", {"detail": "start must be before end"}),
        ("project=abc", {"detail": "Invalid project parameter. Values must be numbers."}),
        ("per_page=101", {"detail": "Invalid per_page value. Cannot exceed 100."}),
        ("limit=0", {"detail": "Invalid limit parameter."}),
        ("cursor=x", {"detail": "Invalid cursor parameter."}),
    ],
)
def test_invalid_parameters_are_400s(
    api: APIClient, organization: Organization, query: str, body: dict[str, str]
) -> None:
    response = api.get(url(organization, query))
    assert (response.status_code, response.json()) == (400, body)


def test_huge_stats_period_is_clamped(
    api: APIClient, organization: Organization, replay: SessionRecording
) -> None:
    assert len(api.get(url(organization, "statsPeriod=999999999999w")).json()["data"]) == 1


def test_page_costs_constant_queries(
    api: APIClient, organization: Organization, three: list, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        response = api.get(url(organization))
    assert len(response.json()["data"]) == 3


def test_permission_matrix(
    key_client: Callable[..., APIClient],
    organization: Organization,
    environment: Environment,
    other_environment: Environment,
    replay: SessionRecording,
) -> None:
    anonymous = APIClient().get(url(organization))
    assert anonymous.status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer phx_bad")
    assert bad.get(url(organization)).status_code == 401
    wrong = key_client(["session_recording_playlist:read"]).get(url(organization))
    assert (wrong.status_code, wrong.json()) == (
        403,
        {"detail": "API key missing required scope 'session_recording:read'"},
    )
    for scopes in (["session_recording:read"], ["org:read"], ["project:read"], ["event:read"], ["*"]):
        assert key_client(scopes).get(url(organization)).status_code == 200, scopes
    other = key_client(["*"]).get(url(other_environment.project.organization))
    assert (other.status_code, other.json()) == (404, NOT_FOUND)
    outside = key_client(["*"]).get(url(organization, f"project={other_environment.id}"))
    assert (outside.status_code, outside.json()) == (404, NOT_FOUND)
    outside_slug = key_client(["*"]).get(url(organization, f"projectSlug={other_environment.slug}"))
    assert (outside_slug.status_code, outside_slug.json()) == (404, NOT_FOUND)
    restricted = key_client(["*"], scoped_teams=[other_environment.id]).get(url(organization, "project=-1"))
    assert (restricted.status_code, restricted.json()) == (404, NOT_FOUND)


def test_no_leak_from_other_organizations(
    api: APIClient, organization: Organization, other_environment: Environment, replay: SessionRecording
) -> None:
    sentry_replay(other_environment, session_id="f" * 32)
    assert [row["id"] for row in api.get(url(organization, "project=-1")).json()["data"]] == [REPLAY_ID]

"""``/api/0/…/replays/{id}/`` (GET, DELETE, the organization's GET), ``…/clicks/`` and
``…/viewed-by/``: full bodies against seed 004 and the reference, on the real SDK's replay."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, RecordingClick, SessionRecording
from recordings_api.models import Environment, Organization, User
from tests.factories import SessionRecordingFactory
from tests.recordings.sentry_replay_support import archived_placeholder, ingest_fixture_replay
from tests.snapshots.sentry_support import FIXTURE_ERROR_ID, FIXTURE_REPLAY_ID
from tests.snapshots.test_capture_support import embedded_buffer  # noqa: F401

pytestmark = pytest.mark.usefixtures("embedded_buffer")
DASHED = str(uuid.UUID(FIXTURE_REPLAY_ID))


def iso(moment: Any) -> str:
    """DRF's form (``dateJoined``)."""
    from rest_framework import serializers

    return serializers.DateTimeField().to_representation(moment)


def seconds(moment: Any) -> str:
    """The replay object's form: whole seconds, ``+00:00``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@pytest.fixture
def replay(environment: Environment) -> SessionRecording:
    return ingest_fixture_replay(environment)


def project_url(organization: Organization, environment: Environment, rest: str = "") -> str:
    return f"/api/0/projects/{organization.slug}/{environment.slug}/replays/{rest}"


def expected_replay(recording: SessionRecording, *, has_viewed: bool = False) -> dict[str, Any]:
    """The seed's attributes (and today's extras) for the SDK fixture's replay."""
    return {
        "activity": 3,  # (1 error * 25 + 2 URLs * 5) // 10
        "browser": {"name": "Chrome", "version": recording.browser_version},
        "count_dead_clicks": 3,
        "count_errors": 1,
        "count_infos": 0,
        "count_rage_clicks": 1,
        "count_segments": 3,
        "count_urls": 2,
        "count_warnings": 0,
        "device": {"brand": None, "family": None, "model": None, "model_id": None, "name": None},
        "dist": None,
        "duration": recording.duration_seconds,
        "environment": "staging",
        "error_ids": [FIXTURE_ERROR_ID],
        "finished_at": seconds(recording.end_time),
        "has_viewed": has_viewed,
        "id": FIXTURE_REPLAY_ID,
        "info_ids": [],
        "is_archived": False,
        "os": {"name": "Linux", "version": None},
        "platform": "javascript",
        "project_id": str(recording.environment_id),
        "releases": ["shop@1.2.3"],
        "replay_type": "session",
        "sdk": {"name": "sentry.javascript.browser", "version": "11.12.0"},
        "started_at": seconds(recording.start_time),
        "tags": {"plan": ["pro"]},
        "trace_ids": [],
        "urls": ["http://127.0.0.1:18094/page.html", "http://127.0.0.1:18094/page.html#next"],
        # The SDK sent id and email; "{{auto}}"-style IP inference filled in the client's address.
        "user": {
            "display_name": "ann@example.com",
            "email": "ann@example.com",
            "id": "u-42",
            "ip": "127.0.0.1",
            "ip_address": "127.0.0.1",
            "username": None,
        },
        "warning_ids": [],
    }


@pytest.mark.parametrize("form", [FIXTURE_REPLAY_ID, DASHED, DASHED.upper()], ids=["hex", "dashed", "upper"])
def test_replay_detail_has_every_seed_attribute(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment, form: str
) -> None:
    response = api.get(project_url(organization, environment, f"{form}/"))
    assert response.status_code == 200, response.content
    assert response.json() == {"data": expected_replay(replay)}
    by_id = api.get(f"/api/0/projects/{organization.id}/{environment.id}/replays/{form}/")
    assert by_id.json() == response.json()


def test_field_restricts_the_object_to_exactly_those_keys(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    url = project_url(
        organization, environment, f"{FIXTURE_REPLAY_ID}/?field=id&field=count_errors&field=user"
    )
    assert api.get(url).json() == {
        "data": {"id": FIXTURE_REPLAY_ID, "count_errors": 1, "user": expected_replay(replay)["user"]}
    }
    bad = api.get(project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/?field=id&field=nope"))
    assert (bad.status_code, bad.json()) == (400, {"field": ['"nope" is not a valid choice.']})


@pytest.mark.parametrize("replay_id", ["0" * 32, "not-a-uuid", "ab" * 20])
def test_unknown_replays_are_404s_with_an_empty_body(
    api: APIClient,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    replay_id: str,
) -> None:
    for url in (
        project_url(organization, environment, f"{replay_id}/"),
        f"/api/0/organizations/{organization.slug}/replays/{replay_id}/",
        project_url(organization, environment, f"{replay_id}/clicks/"),
        project_url(organization, environment, f"{replay_id}/viewed-by/"),
    ):
        response = api.get(url)
        assert (response.status_code, response.content) == (404, b""), url
    assert api.delete(project_url(organization, environment, f"{replay_id}/")).status_code == 404


def test_another_projects_replay_is_not_found(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    from recordings_api.services import environment_create

    staging = environment_create(project=environment.project, name="Staging")
    response = api.get(project_url(organization, staging, f"{FIXTURE_REPLAY_ID}/"))
    assert (response.status_code, response.content) == (404, b"")


def test_organization_replay_searches_the_selected_projects(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    from recordings_api.services import environment_create

    staging = environment_create(project=environment.project, name="Staging")
    base = f"/api/0/organizations/{organization.slug}/replays/{DASHED}/"
    assert api.get(base).json() == {"data": expected_replay(replay)}
    assert api.get(base + f"?project={environment.id}&environment=staging&statsPeriod=1d").status_code == 200
    assert api.get(base + "?project=-1").status_code == 200
    for query in (
        f"?project={staging.id}",
        "?environment=production",
        "?start=2020-01-01T00:00:00Z&end=2020-01-02T00:00:00Z",
    ):
        response = api.get(base + query)
        assert (response.status_code, response.content) == (404, b""), query
    bad = api.get(base + "?start=2020-01-01T00:00:00Z")
    assert (bad.status_code, bad.json()) == (400, {"detail": "start and end are both required"})
    period = api.get(base + "?statsPeriod=7x")
    assert (period.status_code, period.json()) == (400, {"detail": "Invalid statsPeriod: '7x'"})
    assert api.get(base + "?project=abc").json() == {
        "detail": "Invalid project parameter. Values must be numbers."
    }


def test_delete_is_204_at_once_then_the_replay_is_archived(
    api: APIClient,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    owner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = project_url(organization, environment, f"{DASHED}/")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.delete(url)
    assert (response.status_code, response.content) == (204, b"")
    assert len(callbacks) == 1  # the blobs and live buffer go in a task after commit
    assert not SessionRecording.objects.filter(session_id=FIXTURE_REPLAY_ID).exists()
    assert not RecordingClick.objects.filter(session_id=FIXTURE_REPLAY_ID).exists()
    tombstone = DeletedRecording.objects.get(environment=environment, session_id=FIXTURE_REPLAY_ID)
    assert tombstone.deleted_by == owner
    archived = archived_placeholder(FIXTURE_REPLAY_ID, environment.id)
    assert api.get(url).json() == {"data": archived}
    assert api.get(f"/api/0/organizations/{organization.slug}/replays/{FIXTURE_REPLAY_ID}/").json() == {
        "data": archived
    }
    assert api.get(url + "?field=id&field=is_archived").json() == {
        "data": {"id": FIXTURE_REPLAY_ID, "is_archived": True}
    }
    assert api.get(url + "clicks/").json() == {"data": []}
    assert api.get(url + "viewed-by/").json() == {"data": {"viewed_by": []}}
    again = api.delete(url)
    assert (again.status_code, again.content) == (404, b"")


def test_delete_needs_a_write_scope(
    key_client: Any, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    url = project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/")
    for scopes in (["session_recording:read"], ["project:read"], ["org:read"], ["event:read"]):
        response = key_client(scopes).delete(url)
        assert response.status_code == 403, scopes
        assert response.json() == {"detail": "API key missing required scope 'session_recording:write'"}
    assert key_client(["project:write"]).delete(url).status_code == 204


def test_a_posthog_js_recording_is_a_replay_too(
    api: APIClient, organization: Organization, environment: Environment
) -> None:
    session_id = "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000"
    recording = SessionRecordingFactory.create(
        environment=environment,
        session_id=session_id,
        browser_name="Firefox",
        sdk_name="posthog-js",
        sdk_version="1.300.0",
        visited_urls=["https://example.com/"],
        url_count=1,
    )
    response = api.get(project_url(organization, environment, f"{session_id.replace('-', '')}/"))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["id"] == session_id.replace("-", "")
    assert data["browser"] == {"name": "Firefox", "version": None}
    assert data["sdk"] == {"name": "posthog-js", "version": "1.300.0"}
    assert data["urls"] == ["https://example.com/"] and data["started_at"] == seconds(recording.start_time)


def test_clicks_list_the_replays_clicked_nodes(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    url = project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/clicks/")
    response = api.get(url)
    assert response.status_code == 200, response.content
    rows = list(RecordingClick.objects.filter(session_id=FIXTURE_REPLAY_ID).order_by("timestamp", "id"))
    expected = [{"node_id": row.node_id, "timestamp": int(row.timestamp.timestamp())} for row in rows]
    assert response.json() == {"data": expected}
    assert [row["node_id"] for row in expected] == [11, 18, 18, 21, 21, 15, 15]
    page = api.get(url + "?limit=2&offset=1")
    assert page.json() == {"data": expected[1:3]}
    cursor = api.get(url + "?per_page=2&cursor=0:2:0")
    assert cursor.json() == {"data": expected[2:4]}
    absolute = f"http://testserver{url}?per_page=2"
    assert cursor["Link"] == (
        f'<{absolute}&cursor=0:0:1>; rel="previous"; results="true"; cursor="0:0:1", '
        f'<{absolute}&cursor=0:4:0>; rel="next"; results="true"; cursor="0:4:0"'
    )
    buttons = api.get(url, {"query": "click.tag:button"}).json()["data"]
    assert [row["node_id"] for row in buttons] == [18, 18, 21, 21]
    either = api.get(url, {"query": "click.id:email AND rage.selector:button#dead"}).json()["data"]
    assert [row["node_id"] for row in either] == [11, 18]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("nope:1", "Unsupported search field: nope"),
        ("click.tag:>1", "Invalid operator specified for `click.tag`"),
        ("click.selector:'['", "Could not parse value for `click.selector`."),
        ("(click.tag:a", "Unbalanced '(': missing ')'. (at position 0)"),
    ],
)
def test_click_query_errors_are_sentrys_400s(
    api: APIClient,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    query: str,
    detail: str,
) -> None:
    response = api.get(
        project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/clicks/"), {"query": query}
    )
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_clicks_page_is_one_query_of_rows(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    url = project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/clicks/")
    with CaptureQueriesContext(connection) as queries:
        api.get(url)
    click_queries = [q for q in queries.captured_queries if "recordings_recordingclick" in q["sql"]]
    assert len(click_queries) == 1


def test_viewed_by_lists_sentry_users_and_post_records_a_view(
    api: APIClient,
    key_client: Any,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    owner: User,
    teammate: User,
) -> None:
    url = project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/viewed-by/")
    assert api.get(url).json() == {"data": {"viewed_by": []}}
    posted = api.post(url)
    assert (posted.status_code, posted.content) == (204, b"")
    assert key_client(["event:read"], user=teammate).post(url).status_code == 204
    viewers = api.get(url).json()["data"]["viewed_by"]
    assert [viewer["email"] for viewer in viewers] == ["alice@example.com", "bob@example.com"]
    assert viewers[0] == {
        "id": str(owner.pk),
        "name": "Alice A",
        "username": "alice@example.com",
        "email": "alice@example.com",
        "avatarUrl": None,
        "isActive": True,
        "hasPasswordAuth": True,
        "isManaged": False,
        "dateJoined": iso(owner.date_joined),
        "lastLogin": None,
        "has2fa": False,
        "lastActive": None,
        "isSuperuser": False,
        "isStaff": False,
        "experiments": {},
        "emails": [{"id": str(owner.pk), "email": "alice@example.com", "is_verified": False}],
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None},
        "type": "user",
    }
    detail = api.get(project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/?field=has_viewed"))
    assert detail.json() == {"data": {"has_viewed": True}}
    # The PostHog face sees the same marks.
    posthog = api.get(f"/api/projects/{environment.id}/session_recordings/{FIXTURE_REPLAY_ID}/")
    assert posthog.json()["viewed"] is True


def _click(tag: str, element_id: str, text: str) -> dict[str, Any]:
    empty = dict.fromkeys(("click.alt", "click.label", "click.component_name", "click.role"), "")
    return {
        **empty,
        "click.classes": [],
        "click.id": element_id,
        "click.tag": tag,
        "click.testid": "",
        "click.text": text,
        "click.title": "",
    }


def test_field_clicks_are_the_replays_click_rows(
    api: APIClient,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    django_assert_max_num_queries: Any,
) -> None:
    """Every ``ui.click`` and slow-click breadcrumb of the SDK's replay, by time, with Sentry's
    keys; browse and both detail routes alike, the page's clicks in one query."""
    email, dead, err, nav = (
        _click("input", "email", ""),
        _click("button", "dead", "Nothing"),
        _click("button", "err", "Err"),
        _click("a", "nav", "Next"),
    )
    expected = {"id": FIXTURE_REPLAY_ID, "clicks": [email, dead, dead, err, err, nav, nav]}
    query = "?field=id&field=clicks"
    with django_assert_max_num_queries(12):
        browse = api.get(f"/api/0/organizations/{organization.slug}/replays/{query}")
    assert browse.json() == {"data": [expected]}
    assert api.get(project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/{query}")).json() == {
        "data": expected
    }
    organization_detail = f"/api/0/organizations/{organization.slug}/replays/{FIXTURE_REPLAY_ID}/{query}"
    assert api.get(organization_detail).json() == {"data": expected}
    assert (
        "clicks"
        not in api.get(project_url(organization, environment, f"{FIXTURE_REPLAY_ID}/")).json()["data"]
    )

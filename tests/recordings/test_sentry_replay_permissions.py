"""The permission matrix of every Sentry-face replay route: no key and a bad key are 401, a key
without the scope 403, another organization, a project outside the organization and an outsider
404 (``The requested resource does not exist``) — and the scopes that open each route do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from recordings.models import ErrorIssue, RecordingError, SessionRecording
from recordings_api.models import Environment, Organization, User
from tests.factories import SessionRecordingFactory
from tests.snapshots.test_capture_support import embedded_buffer  # noqa: F401
from tests.snapshots.test_snapshots_api_support import buffer, rrweb_line

pytestmark = pytest.mark.usefixtures("embedded_buffer")
REPLAY_ID = "ab" * 16
ISSUE_ID = 4242
NOT_FOUND = {"detail": "The requested resource does not exist"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {org} and, for project routes, {project}
    ok: int
    sentry_scope: str  # the Sentry scope name that opens it
    write: bool = False

    @property
    def project_level(self) -> bool:
        return "{project}" in self.path


PROJECT = "/api/0/projects/{org}/{project}/replays/"
ORGANIZATION = "/api/0/organizations/{org}/"
ROUTES = [
    Route("get", PROJECT + f"{REPLAY_ID}/", 200, "project:read"),
    Route("delete", PROJECT + f"{REPLAY_ID}/", 204, "project:write", write=True),
    Route("get", PROJECT + f"{REPLAY_ID}/recording-segments/", 200, "project:read"),
    Route("get", PROJECT + f"{REPLAY_ID}/recording-segments/?download", 200, "project:read"),
    Route("get", PROJECT + f"{REPLAY_ID}/recording-segments/0/", 200, "project:read"),
    Route("get", PROJECT + f"{REPLAY_ID}/recording-segments/0/?download", 200, "project:read"),
    Route("get", PROJECT + f"{REPLAY_ID}/clicks/", 200, "project:read"),
    Route("get", PROJECT + f"{REPLAY_ID}/viewed-by/", 200, "event:read"),
    Route("post", PROJECT + f"{REPLAY_ID}/viewed-by/", 204, "event:read"),
    Route("get", PROJECT + "tags/", 200, "project:read"),
    Route("get", PROJECT + "tags/plan/values/", 200, "project:read"),
    Route("get", ORGANIZATION + f"replays/{REPLAY_ID}/", 200, "org:read"),
    Route("get", ORGANIZATION + f"replay-count/?query=replay_id:[{REPLAY_ID}]", 200, "org:read"),
    Route("get", ORGANIZATION + "replay-selectors/", 200, "org:read"),
    Route("get", ORGANIZATION + "tags/?dataset=replays", 200, "org:read"),
    Route("get", ORGANIZATION + "tags/plan/values/?dataset=replays", 200, "org:read"),
    Route("get", ORGANIZATION + "issues/", 200, "event:read"),
    Route("get", ORGANIZATION + f"issues/{ISSUE_ID}/", 200, "event:read"),
    Route("get", ORGANIZATION + f"replay-count/?query=issue.id:[{ISSUE_ID}]", 200, "event:read"),
]
IDS = [f"{route.method} {route.path}" for route in ROUTES]


@pytest.fixture
def recording(environment: Environment) -> SessionRecording:
    recording = SessionRecordingFactory.create(environment=environment, session_id=REPLAY_ID, event_count=0)
    buffer(recording, rrweb_line(0))
    issue = ErrorIssue.objects.create(
        id=ISSUE_ID,
        environment=environment,
        fingerprint="a" * 32,
        title="Error: boom",
        first_seen=recording.start_time,
    )
    RecordingError.objects.create(
        environment=environment,
        event_id="c" * 32,
        session_id=REPLAY_ID,
        timestamp=recording.start_time,
        issue=issue,
    )
    return recording


def _url(route: Route, organization: Organization, environment: Environment) -> str:
    return route.path.format(org=organization.slug, project=environment.slug)


def _call(client: APIClient, route: Route, url: str) -> object:
    return getattr(client, route.method)(url)


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_credentials_and_scopes(
    route: Route,
    recording: SessionRecording,
    key_client: Callable[..., APIClient],
    organization: Organization,
    environment: Environment,
) -> None:
    url = _url(route, organization, environment)
    anonymous = _call(APIClient(), route, url)
    assert (anonymous.status_code, anonymous.json()) == (  # type: ignore[attr-defined]
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_key")
    assert _call(bad, route, url).status_code == 401  # type: ignore[attr-defined]
    wrong = _call(key_client(["session_recording_playlist:write"]), route, url)
    level = "write" if route.write else "read"
    assert (wrong.status_code, wrong.json()) == (  # type: ignore[attr-defined]
        403,
        {"detail": f"API key missing required scope 'session_recording:{level}'"},
    )
    if route.write:
        for scopes in (["session_recording:read"], ["org:read"], ["project:read"]):
            assert _call(key_client(scopes), route, url).status_code == 403  # type: ignore[attr-defined]
    response = _call(key_client([route.sentry_scope]), route, url)
    assert response.status_code == route.ok, getattr(response, "content", b"")  # type: ignore[attr-defined]


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_other_organizations_and_projects_are_not_found(
    route: Route,
    recording: SessionRecording,
    key_client: Callable[..., APIClient],
    organization: Organization,
    environment: Environment,
    other_environment: Environment,
    outsider: User,
) -> None:
    owner_key = key_client(["*"])
    other_org = other_environment.project.organization
    attempts = [
        (owner_key, _url(route, other_org, other_environment)),  # another organization
        (owner_key, _url(route, Organization(slug="no-such-org"), environment)),
        (key_client(["*"], user=outsider), _url(route, organization, environment)),  # an outsider
    ]
    if route.project_level:
        attempts.append((owner_key, _url(route, organization, other_environment)))  # outside the org
    for client, url in attempts:
        response = _call(client, route, url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), url  # type: ignore[attr-defined]
    # The outsider's own organization does not hold this replay: nothing of it leaks there.
    if REPLAY_ID in route.path and "replay-count" not in route.path:
        response = _call(key_client(["*"], user=outsider), route, _url(route, other_org, other_environment))
        assert response.status_code == 404, route  # type: ignore[attr-defined]

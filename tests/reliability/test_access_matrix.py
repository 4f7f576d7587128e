"""The access matrix over every API route, generated from the URL configuration: each method of
each environment-scoped route, called with each kind of credential that must not get in, is
refused the same way. A new route joins the matrix by existing; there is no list to update.

Credential cases: none (401), an invalid key (401), a key of another organization (404, like an
unknown project), a key restricted to another project (403), a key missing the route's scope
(403), and a sharing token (403, except on the actions tokens open, which may answer their one
recording). The Sentry face (``/api/0/``) answers in its own shape, and what a key may not see
there — another organization, a project the key excludes — is a 404; sharing tokens are no
credential of it (401).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from pytest_django import Settings
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from recordings.models import Action, RecordingComment
from recordings_api.account_scoping import AccountScopedViewSetMixin
from recordings_api.models import Environment, User
from recordings_api.scopes import SCOPE_OBJECTS
from recordings_api.sentry.tenancy import SentryAccountScopedViewSetMixin
from recordings_api.services import personal_api_key_create
from recordings_api.tenancy import SCOPE_REGISTRY, EnvironmentScopedViewSetMixin
from sharing.models import SharingConfiguration
from tests.factories import SessionRecordingFactory

_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    pattern: str
    view: type
    actions: dict[str, str]


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _routes(guard: type) -> list[Route]:
    routes = []
    for pattern, callback in _walk(get_resolver().url_patterns):
        view = getattr(getattr(callback, "cls", None), "__mro__", ())
        if getattr(callback, "actions", None) and guard in view and "environments/" not in pattern:
            routes.append(Route(pattern=pattern, view=callback.cls, actions=dict(callback.actions)))
    return routes


def environment_routes() -> list[Route]:
    """Every viewset route under ``/api/projects/{project_id}/`` (``environments`` serves the same views)."""
    return _routes(EnvironmentScopedViewSetMixin)


def concrete(pattern: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if name == "pk":  # each resource names its own object: the segment before the group
            resource = pattern[: match.start()].rstrip("/").rsplit("/", 1)[-1].lstrip("^")
            name = f"pk:{resource}"
        return values[name]

    path = _GROUP.sub(value, pattern)
    return "/" + path.replace("^", "").replace("$", "").replace("/?", "/")


ROUTES = environment_routes()
ACCOUNT_ROUTES = _routes(AccountScopedViewSetMixin)
SENTRY_ROUTES = _routes(SentryAccountScopedViewSetMixin)
CASES = [
    "no_credentials",
    "invalid_key",
    "other_organization",
    "restricted_key",
    "missing_scope",
    "sharing_token",
]


def test_the_matrix_covers_every_viewset_of_the_scope_registry() -> None:
    assert {route.view for route in [*ROUTES, *ACCOUNT_ROUTES, *SENTRY_ROUTES]} == set(SCOPE_REGISTRY)
    assert len(ROUTES) >= 20 and len(ACCOUNT_ROUTES) >= 3 and len(SENTRY_ROUTES) >= 4


@pytest.fixture
def world(
    environment: Environment, owner: User, outsider: User, other_environment: Environment, settings: Settings
) -> dict[str, Any]:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "auth_failures": None}
    recording = SessionRecordingFactory.create(environment=environment)
    playlist = SessionRecordingPlaylist.objects.create(
        environment=environment, created_by=owner, type="collection"
    )
    shared = SharingConfiguration.objects.create(environment=environment, recording=recording, enabled=True)
    action = Action.objects.create(environment=environment, name="Checkout", created_by=owner)
    comment = RecordingComment.objects.create(
        environment=environment, session_id=recording.session_id, content="hm", created_by=owner
    )
    values = {
        "project_id": str(environment.id),
        "id": recording.session_id,
        "recording_id": recording.session_id,
        "session_recording_id": recording.session_id,
        "short_id": playlist.short_id,
        "pk:actions": str(action.pk),
        "pk:comments": str(comment.pk),
        "pk:projects": str(environment.project_id),
        "pk:users": "@me",
        "pk:organizations": "@current",
        "password_id": "1",  # any id: the matrix is about who gets in, not what exists
        "organization_id_or_slug": environment.project.organization.slug,
        "project_id_or_slug": environment.slug,
    }
    return {
        "values": values,
        "owner": owner,
        "outsider": outsider,
        "other": other_environment,
        "token": shared.access_token,
        "recording": recording,
    }


def _client(case: str, route: Route, world: dict[str, Any]) -> tuple[APIClient, str]:
    client, query = APIClient(), ""
    key = None
    if case == "invalid_key":
        key = "phx_" + "0" * 48
    elif case == "other_organization":
        key = personal_api_key_create(user=world["outsider"], label="m", scopes=["*"]).plaintext
    elif case == "restricted_key":
        key = personal_api_key_create(
            user=world["owner"], label="m", scopes=["*"], scoped_teams=[world["other"].id]
        ).plaintext
    elif case == "missing_scope":
        other_scope = next(obj for obj in SCOPE_OBJECTS if obj != route.view.scope_object)  # type: ignore[attr-defined]
        key = personal_api_key_create(
            user=world["owner"], label="m", scopes=[f"{other_scope}:write"]
        ).plaintext
    elif case == "sharing_token":
        query = f"?sharing_access_token={world['token']}"
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, query


EXPECTED = {
    "no_credentials": {401},
    "invalid_key": {401},
    "other_organization": {404},
    "restricted_key": {403},
    "missing_scope": {403},
    "sharing_token": {403},
}


@pytest.mark.parametrize("case", CASES)
def test_every_route_and_method_refuses_who_may_not_get_in(case: str, world: dict[str, Any]) -> None:
    unexpected = {}
    for route in ROUTES:
        url = concrete(route.pattern, world["values"])
        for method, action in route.actions.items():
            client, query = _client(case, route, world)
            response = getattr(client, method)(url + query, {}, format="json")
            expected = EXPECTED[case]
            if case == "sharing_token" and action in route.view.grant_enabled_actions and method == "get":  # type: ignore[attr-defined]
                expected = {200}
            body = (
                response.json() if response.get("Content-Type", "").startswith("application/json") else None
            )
            refused_in_shape = response.status_code == 200 or (
                body and set(body) >= {"type", "code", "detail"}
            )
            if response.status_code not in expected or not refused_in_shape:
                unexpected[f"{method.upper()} {url} ({action})"] = response.status_code
    assert unexpected == {}


# Above environments (``/api/projects/``, ``/api/organizations/…``, ``/api/users/@me/``): a key of
# another organization sees only its own, so only credentials that open nothing are refused here.
ACCOUNT_EXPECTED = {
    "no_credentials": {401},
    "invalid_key": {401},
    "missing_scope": {403},
    "sharing_token": {401},
}


@pytest.mark.parametrize("case", sorted(ACCOUNT_EXPECTED))
def test_every_account_route_refuses_who_may_not_get_in(case: str, world: dict[str, Any]) -> None:
    unexpected = {}
    for route in ACCOUNT_ROUTES:
        url = concrete(route.pattern, world["values"])
        for method, action in route.actions.items():
            client, query = _client(case, route, world)
            response = getattr(client, method)(url + query, {}, format="json")
            if response.status_code not in ACCOUNT_EXPECTED[case]:
                unexpected[f"{method.upper()} {url} ({action})"] = response.status_code
    assert unexpected == {}


# The Sentry face: its own shape, and 404 for whatever the key may not see.
SENTRY_EXPECTED = {
    "no_credentials": {401},
    "invalid_key": {401},
    "other_organization": {404},
    "restricted_key": {404},
    "missing_scope": {403},
    "sharing_token": {401},
}


@pytest.mark.parametrize("case", sorted(SENTRY_EXPECTED))
def test_every_sentry_route_refuses_who_may_not_get_in(case: str, world: dict[str, Any]) -> None:
    # Path values the Sentry routes name besides the organization and project: the recording's id.
    values = {**world["values"]}
    unexpected = {}
    for route in SENTRY_ROUTES:
        names = {match.group("name") for match in _GROUP.finditer(route.pattern)}
        if case in ("other_organization", "restricted_key") and "organization_id_or_slug" not in names:
            continue  # above organizations a key sees only its own (tests/recordings_api/sentry)
        for name in names - set(values):
            values[name] = world["recording"].session_id
        url = concrete(route.pattern, values)
        for method, action in route.actions.items():
            client, query = _client(case, route, world)
            response = getattr(client, method)(url + query, {}, format="json")
            body = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
            if response.status_code not in SENTRY_EXPECTED[case] or set(body) != {"detail"}:
                unexpected[f"{method.upper()} {url} ({action})"] = (response.status_code, body)
    assert unexpected == {}

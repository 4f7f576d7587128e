"""Route families, environment resolution, membership and key scopes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from recordings_api.models import Environment, User
from recordings_api.services import environment_create

pytestmark = pytest.mark.django_db

PROJECT_NOT_FOUND = {
    "type": "invalid_request",
    "code": "not_found",
    "detail": "Project not found.",
    "attr": None,
}


def test_default_environment_shares_the_project_id(environment: Environment) -> None:
    assert environment.id == environment.project_id
    assert environment.api_token.startswith("phc_")


@pytest.mark.parametrize("family", ["projects", "environments"])
@pytest.mark.parametrize("slash", ["/", ""])
def test_both_route_families_with_optional_slash(
    api: APIClient, environment: Environment, family: str, slash: str
) -> None:
    response = api.get(f"/api/{family}/{environment.id}/session_recordings{slash}")
    assert response.status_code == 200
    assert set(response.json()) >= {"count", "next", "previous", "has_next", "results"}


def test_current_resolves_the_users_current_environment(api: APIClient, environment: Environment) -> None:
    for family in ("projects", "environments"):
        assert api.get(f"/api/{family}/@current/session_recordings/").status_code == 200


def test_a_second_environment_is_reached_under_environments_only(
    api: APIClient, environment: Environment
) -> None:
    staging = environment_create(project=environment.project, name="Staging")
    assert api.get(f"/api/environments/{staging.id}/session_recordings/").status_code == 200
    response = api.get(f"/api/projects/{staging.id}/session_recordings/")
    assert response.status_code == 404
    assert response.json() == PROJECT_NOT_FOUND


@pytest.mark.parametrize("raw_id", ["999999", "abc", "-1"])
def test_unknown_project_is_404(api: APIClient, raw_id: str) -> None:
    response = api.get(f"/api/projects/{raw_id}/session_recordings/")
    assert response.status_code == 404
    assert response.json() == PROJECT_NOT_FOUND


def test_another_organizations_project_is_404_like_an_unknown_one(
    api: APIClient, other_environment: Environment
) -> None:
    response = api.get(f"/api/projects/{other_environment.id}/session_recordings/")
    assert response.status_code == 404
    assert response.json() == PROJECT_NOT_FOUND


def test_outsider_user_is_404_on_our_environment(
    environment: Environment, outsider: User, key_client: Callable[..., APIClient]
) -> None:
    response = key_client(["*"], user=outsider).get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 404
    assert response.json() == PROJECT_NOT_FOUND


def test_missing_scope_is_403(environment: Environment, key_client: Callable[..., APIClient]) -> None:
    client = key_client(["session_recording_playlist:read"])
    response = client.get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'session_recording:read'",
        "attr": None,
    }


def test_read_scope_cannot_write(environment: Environment, key_client: Callable[..., APIClient]) -> None:
    client = key_client(["session_recording:read"])
    response = client.post(
        f"/api/projects/{environment.id}/session_recordings/bulk_viewed/",
        {"session_recording_ids": ["a"]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'session_recording:write'"


@pytest.mark.parametrize("scopes", [["session_recording:write"], ["*"], ["session_recording:read"]])
def test_write_and_star_imply_read(
    environment: Environment, key_client: Callable[..., APIClient], scopes: list[str]
) -> None:
    response = key_client(scopes).get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 200


def test_scoped_teams_excludes_other_environments(
    environment: Environment, key_client: Callable[..., APIClient]
) -> None:
    staging = environment_create(project=environment.project, name="Staging")
    client = key_client(["*"], scoped_teams=[staging.id])
    assert client.get(f"/api/environments/{staging.id}/session_recordings/").status_code == 200
    response = client.get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == f"API key does not have access to the requested project: ID {environment.id}."
    )


def test_scoped_organizations_excludes_other_organizations(
    environment: Environment, key_client: Callable[..., APIClient]
) -> None:
    client = key_client(["*"], scoped_organizations=["00000000-0000-0000-0000-000000000000"])
    response = client.get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("API key does not have access to the requested organization")
    allowed = key_client(["*"], scoped_organizations=[str(environment.project.organization_id)])
    assert allowed.get(f"/api/projects/{environment.id}/session_recordings/").status_code == 200


def test_staff_session_bypasses_scopes_but_not_membership(
    environment: Environment, other_environment: Environment, owner: User
) -> None:
    owner.is_staff = True
    owner.save()
    client = APIClient()
    client.force_login(owner)
    assert client.get(f"/api/projects/{environment.id}/session_recordings/").status_code == 200
    assert client.get(f"/api/projects/{other_environment.id}/session_recordings/").status_code == 404


def test_current_without_environment_is_404(
    environment: Environment, owner: User, key_client: Callable[..., APIClient]
) -> None:
    client = key_client(["*"])
    owner.current_environment = None
    owner.save()
    assert client.get("/api/projects/@current/session_recordings/").json() == PROJECT_NOT_FOUND


def test_environment_rows_are_not_shared_between_organizations(
    environment: Environment, other_environment: Environment
) -> None:
    assert Environment.objects.filter(project__organization=environment.project.organization).count() == 1

"""``/api/0/organizations/``, ``/organizations/{org}/`` and ``/organizations/{org}/projects/``:
Sentry's shapes, by slug or id, and 404 for anything the request may not see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from recordings_api.models import Environment, Organization, User
from recordings_api.services import environment_create, project_create

NOT_FOUND = {"detail": "The requested resource does not exist"}


def iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def project_body(environment: Environment, name: str) -> dict[str, Any]:
    return {
        "id": str(environment.id),
        "slug": environment.slug,
        "name": name,
        "platform": "javascript",
        "dateCreated": iso(environment.created_at),
    }


def organization_body(organization: Organization) -> dict[str, Any]:
    return {
        "id": str(organization.id),
        "slug": organization.slug,
        "name": organization.name,
        "dateCreated": iso(organization.created_at),
        "status": {"id": "active", "name": "active"},
        "features": ["session-replay", "session-replay-ui", "global-views"],
    }


@pytest.fixture
def staging(environment: Environment) -> Environment:
    return environment_create(project=environment.project, name="Staging")


def test_slugs_are_made_from_names(
    organization: Organization, environment: Environment, staging: Environment
) -> None:
    assert organization.slug == "acme"
    assert environment.slug == "acme-web"
    assert staging.slug == "acme-web-staging"
    second = project_create(organization=Organization.objects.create(name="Acme"), name="Acme web")
    assert Organization.objects.get(id=second.organization_id).slug == "acme-2"
    assert Environment.objects.get(id=second.id).slug == "acme-web-2"
    assert Organization.objects.create(name="1234").slug == "org-1234"
    assert Organization.objects.create(name="!!!").slug == "org"


def test_organizations_list(
    api: APIClient, organization: Organization, owner: User, other_environment: Environment
) -> None:
    response = api.get("/api/0/organizations/")
    assert response.status_code == 200, response.content
    assert response.json() == [organization_body(organization)]
    url = "http://testserver/api/0/organizations/"
    assert response["Link"] == (
        f'<{url}?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
        f'<{url}?&cursor=0:100:0>; rel="next"; results="false"; cursor="0:100:0"'
    )


@pytest.mark.parametrize("address", ["slug", "id"])
def test_organization_detail_by_slug_or_id(
    api: APIClient, organization: Organization, environment: Environment, staging: Environment, address: str
) -> None:
    response = api.get(f"/api/0/organizations/{getattr(organization, address)}/")
    assert response.status_code == 200, response.content
    assert response.json() == {
        **organization_body(organization),
        "projects": [project_body(environment, "Acme web"), project_body(staging, "Acme web (Staging)")],
    }


@pytest.mark.parametrize("address", ["slug", "id"])
def test_projects_list(
    api: APIClient, organization: Organization, environment: Environment, staging: Environment, address: str
) -> None:
    response = api.get(f"/api/0/organizations/{getattr(organization, address)}/projects/?per_page=1")
    assert response.status_code == 200, response.content
    assert response.json() == [project_body(environment, "Acme web")]
    assert 'rel="next"; results="true"; cursor="0:1:0"' in response["Link"]
    second = api.get(f"/api/0/organizations/{organization.slug}/projects/?per_page=1&cursor=0:1:0")
    assert second.json() == [project_body(staging, "Acme web (Staging)")]
    assert 'rel="previous"; results="true"; cursor="0:0:1"' in second["Link"]
    assert 'rel="next"; results="false"' in second["Link"]


def test_key_restrictions_narrow_discovery(
    key_client: Callable[..., APIClient],
    organization: Organization,
    environment: Environment,
    staging: Environment,
) -> None:
    client = key_client(["*"], scoped_teams=[staging.id])
    projects = client.get(f"/api/0/organizations/{organization.slug}/projects/")
    assert [row["id"] for row in projects.json()] == [str(staging.id)]
    other_org_key = key_client(["*"], scoped_organizations=["00000000-0000-0000-0000-000000000000"])
    assert other_org_key.get("/api/0/organizations/").json() == []
    response = other_org_key.get(f"/api/0/organizations/{organization.slug}/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


ROUTES = ["/api/0/organizations/", "/api/0/organizations/{org}/", "/api/0/organizations/{org}/projects/"]


@pytest.mark.parametrize("route", ROUTES)
def test_permission_matrix(
    route: str,
    key_client: Callable[..., APIClient],
    organization: Organization,
    other_environment: Environment,
    owner: User,
) -> None:
    url = route.format(org=organization.slug)
    anonymous = APIClient().get(url)
    assert (anonymous.status_code, anonymous.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_key")
    response = bad.get(url)
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Personal API key found in request Authorization header is invalid."},
    )
    wrong_scope = key_client(["session_recording:read"]).get(url)
    assert wrong_scope.status_code == 403
    assert wrong_scope.json()["detail"].startswith("API key missing required scope '")
    for scopes in (["org:read"], ["*"]):
        assert key_client(scopes).get(url).status_code == 200
    if "{org}" in route:
        other_org = route.format(org=other_environment.project.organization.slug)
        response = key_client(["*"]).get(other_org)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        unknown = key_client(["*"]).get(route.format(org="no-such-org"))
        assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)


def test_sentry_scope_names_on_projects(
    key_client: Callable[..., APIClient], organization: Organization
) -> None:
    url = f"/api/0/organizations/{organization.slug}/projects/"
    for scopes in (["project:read"], ["project:write"], ["project:admin"]):
        assert key_client(scopes).get(url).status_code == 200
    assert key_client(["event:read"]).get(url).status_code == 403


def test_teammate_sees_organization_outsider_does_not(
    key_client: Callable[..., APIClient], organization: Organization, teammate: User, outsider: User
) -> None:
    assert (
        key_client(["*"], user=teammate).get(f"/api/0/organizations/{organization.slug}/").status_code == 200
    )
    response = key_client(["*"], user=outsider).get(f"/api/0/organizations/{organization.id}/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_unknown_paths_are_sentry_404s(api: APIClient, organization: Organization) -> None:
    for path in ("/api/0/", "/api/0/nothing/", f"/api/0/organizations/{organization.slug}/nothing/"):
        response = api.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path


def test_the_admin_edits_an_environment_slug(staff_client: Any, environment: Environment) -> None:
    path = f"/admin/recordings_api/environment/{environment.id}/change/"
    assert 'name="slug"' in staff_client.get(path).content.decode()
    form = {
        "project": str(environment.project_id),
        "name": environment.name,
        "session_recording_retention_days": "30",
        "test_account_filters": "[]",
    }
    response = staff_client.post(path, {**form, "slug": "12345"})
    assert response.status_code == 200 and "not all digits" in response.content.decode()
    response = staff_client.post(path, {**form, "slug": "web-shop"})
    assert response.status_code == 302, response.content.decode()[:2000]
    environment.refresh_from_db()
    assert environment.slug == "web-shop"
    response = staff_client.post(path, {**form, "slug": ""})
    environment.refresh_from_db()
    assert environment.slug == "acme-web"  # left empty: made from the name again

"""``/api/projects/``, ``/api/projects/{id}/``, ``/api/organizations/@current/`` and
``/api/users/@me/``: PostHog's shapes, scoped by membership and by the key's restrictions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from recordings_api.account_serializers import derived_uuid
from recordings_api.models import Environment, Organization, Project, User
from recordings_api.services import environment_create, membership_add, project_create
from tests.factories import SessionRecordingFactory


def iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def second_project(organization: Organization, owner: User) -> Project:
    project = project_create(organization=organization, name="Acme docs")
    environment_create(project=project, name="Staging")
    return project


def team_basic(environment: Environment, *, ingested: bool = False) -> dict[str, Any]:
    return {
        "id": environment.id,
        "uuid": derived_uuid("environment", environment.id),
        "organization": str(environment.project.organization_id),
        "project_id": environment.project_id,
        "api_token": environment.api_token,
        "name": environment.name,
        "completed_snippet_onboarding": ingested,
        "has_completed_onboarding_for": {"session_replay": True} if ingested else None,
        "ingested_event": ingested,
        "is_demo": False,
        "timezone": "UTC",
        "access_control": False,
    }


def project_basic(project: Project, *, ingested: bool = False) -> dict[str, Any]:
    return {
        "id": project.id,
        "uuid": derived_uuid("project", project.id),
        "organization": str(project.organization_id),
        "api_token": Environment.objects.get(id=project.id).api_token,
        "name": project.name,
        "completed_snippet_onboarding": ingested,
        "has_completed_onboarding_for": {"session_replay": True} if ingested else None,
        "ingested_event": ingested,
        "is_demo": False,
        "timezone": "UTC",
        "access_control": False,
    }


# --- /api/projects/ ---------------------------------------------------------------------------


def test_projects_lists_the_projects_of_your_organizations(
    api: APIClient, environment: Environment, second_project: Project, other_environment: Environment
) -> None:
    SessionRecordingFactory.create(environment=environment)

    response = api.get("/api/projects/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "has_next": False,
        "results": [project_basic(environment.project, ingested=True), project_basic(second_project)],
    }


@pytest.mark.parametrize("path", ["/api/projects", "/api/projects/"])
def test_the_trailing_slash_is_optional(api: APIClient, environment: Environment, path: str) -> None:
    assert [project["id"] for project in api.get(path).json()["results"]] == [environment.id]


def test_a_key_scoped_to_teams_lists_exactly_their_projects(
    key_client: Callable[..., APIClient], environment: Environment, second_project: Project
) -> None:
    staging = Environment.objects.get(project=second_project, name="Staging")

    scoped = key_client(["project:read"], scoped_teams=[staging.id]).get("/api/projects/").json()

    assert [project["id"] for project in scoped["results"]] == [second_project.id]
    assert scoped["count"] == 1


def test_a_key_scoped_to_organizations_lists_only_theirs(
    key_client: Callable[..., APIClient],
    owner: User,
    environment: Environment,
    other_environment: Environment,
) -> None:
    membership_add(organization=other_environment.project.organization, user=owner)

    everything = key_client(["project:read"]).get("/api/projects/").json()
    scoped = key_client(
        ["project:read"], scoped_organizations=[str(other_environment.project.organization_id)]
    ).get("/api/projects/")

    assert [project["id"] for project in everything["results"]] == [environment.id, other_environment.id]
    assert [project["id"] for project in scoped.json()["results"]] == [other_environment.id]


def test_projects_is_paginated(api: APIClient, environment: Environment, second_project: Project) -> None:
    page = api.get("/api/projects/?limit=1&offset=1").json()

    assert page["count"] == 2
    assert [project["id"] for project in page["results"]] == [second_project.id]
    assert page["next"] is None and page["previous"] is not None


def test_projects_needs_the_project_scope(
    key_client: Callable[..., APIClient], environment: Environment
) -> None:
    response = key_client(["session_recording:read"]).get("/api/projects/")

    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'project:read'",
        "attr": None,
    }


@pytest.mark.parametrize(
    "path", ["/api/projects/", "/api/projects/1/", "/api/organizations/@current/", "/api/users/@me/"]
)
def test_without_credentials_is_401(db: None, path: str) -> None:
    response = APIClient().get(path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_bad_key_is_401(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_key")

    response = client.get("/api/projects/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Personal API key found in request Authorization header is invalid."


def test_an_outsider_sees_only_their_own(
    key_client: Callable[..., APIClient],
    outsider: User,
    environment: Environment,
    other_environment: Environment,
) -> None:
    listing = key_client(["*"], user=outsider).get("/api/projects/").json()

    assert [project["id"] for project in listing["results"]] == [other_environment.id]


# --- /api/projects/{id}/ ----------------------------------------------------------------------


def test_a_project_in_full(
    api: APIClient, owner: User, environment: Environment, second_project: Project
) -> None:
    staging = Environment.objects.get(project=second_project, name="Staging")
    Environment.objects.filter(id=second_project.id).update(
        session_recording_retention_days=90, test_account_filters=[{"key": "email", "type": "person"}]
    )
    default = Environment.objects.get(id=second_project.id)

    response = api.get(f"/api/projects/{second_project.id}/")

    assert response.status_code == 200
    assert response.json() == {
        **project_basic(second_project),
        "product_description": None,
        "created_at": iso(second_project.created_at),
        "updated_at": iso(second_project.created_at),
        "effective_membership_level": 15,
        "has_group_types": False,
        "group_types": [],
        "live_events_token": None,
        "app_urls": [],
        "anonymize_ips": False,
        "test_account_filters": [{"key": "email", "type": "person"}],
        "test_account_filters_default_checked": False,
        "path_cleaning_filters": [],
        "data_attributes": [],
        "person_display_name_properties": ["email", "name", "username"],
        "autocapture_opt_out": False,
        "capture_console_log_opt_in": True,
        "capture_performance_opt_in": False,
        "session_recording_opt_in": True,
        "session_recording_retention_period": "90d",
        "recording_domains": [],
        "environments": [
            {"id": default.id, "name": "Production", "api_token": default.api_token},
            {"id": staging.id, "name": "Staging", "api_token": staging.api_token},
        ],
    }


def test_current_is_your_current_project(api: APIClient, environment: Environment) -> None:
    assert api.get("/api/projects/@current/").json()["id"] == environment.id


@pytest.mark.parametrize("project_id", ["999999", "abc", "1.5"])
def test_an_unknown_project_is_404(api: APIClient, environment: Environment, project_id: str) -> None:
    response = api.get(f"/api/projects/{project_id}/")

    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Project not found.",
        "attr": None,
    }


def test_another_organizations_project_is_403(api: APIClient, other_environment: Environment) -> None:
    response = api.get(f"/api/projects/{other_environment.id}/")

    assert response.status_code == 403
    assert response.json()["detail"] == "You don't have access to the project."


def test_a_project_the_key_excludes_is_403(
    key_client: Callable[..., APIClient], environment: Environment, second_project: Project
) -> None:
    client = key_client(["project:read"], scoped_teams=[environment.id])

    response = client.get(f"/api/projects/{second_project.id}/")

    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == f"API key does not have access to the requested project: ID {second_project.id}."
    )
    assert client.get(f"/api/projects/{environment.id}/").status_code == 200


# --- /api/organizations/@current/ -------------------------------------------------------------


def test_the_current_organization(
    api: APIClient, organization: Organization, owner: User, teammate: User, environment: Environment
) -> None:
    response = api.get("/api/organizations/@current/")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(organization.id),
        "name": "Acme",
        "slug": "acme",
        "logo_media_id": None,
        "membership_level": 15,
        "members_can_use_personal_api_keys": True,
        "created_at": iso(organization.created_at),
        "updated_at": iso(organization.created_at),
        "plugins_access_level": 0,
        "teams": [team_basic(environment)],
        "projects": [project_basic(environment.project)],
        "available_product_features": [],
        "is_member_join_email_enabled": False,
        "metadata": {},
        "customer_id": None,
        "enforce_2fa": None,
        "members_can_invite": True,
        "allow_publicly_shared_resources": True,
        "member_count": 2,
        "is_ai_data_processing_approved": None,
        "default_experiment_stats_method": "bayesian",
        "default_role_id": None,
    }


def test_an_organization_by_id(api: APIClient, organization: Organization, owner: User) -> None:
    assert api.get(f"/api/organizations/{organization.id}/").json()["id"] == str(organization.id)


def test_another_organization_is_403_and_an_unknown_one_404(
    api: APIClient, other_environment: Environment, owner: User
) -> None:
    other = api.get(f"/api/organizations/{other_environment.project.organization_id}/")
    unknown = api.get("/api/organizations/00000000-0000-0000-0000-000000000000/")
    malformed = api.get("/api/organizations/not-a-uuid/")

    assert other.status_code == 403
    assert other.json()["detail"] == "You don't have access to the organization."
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.json()["detail"] == "Organization not found."


def test_an_organization_the_key_excludes_is_403(
    key_client: Callable[..., APIClient],
    organization: Organization,
    owner: User,
    other_environment: Environment,
) -> None:
    other_id = other_environment.project.organization_id
    membership_add(organization=other_environment.project.organization, user=owner)
    client = key_client(["organization:read"], scoped_organizations=[str(other_id)])

    response = client.get(f"/api/organizations/{organization.id}/")

    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == f"API key does not have access to the requested organization: ID {organization.id}."
    )
    assert client.get(f"/api/organizations/{other_id}/").status_code == 200


def test_organizations_need_the_organization_scope(key_client: Callable[..., APIClient], owner: User) -> None:
    response = key_client(["project:read"]).get("/api/organizations/@current/")

    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'organization:read'"


# --- /api/users/@me/ --------------------------------------------------------------------------


def test_me(api: APIClient, owner: User, organization: Organization, environment: Environment) -> None:
    SessionRecordingFactory.create(environment=environment)
    owner.refresh_from_db()

    response = api.get("/api/users/@me/")

    assert response.status_code == 200
    body = response.json()
    assert body["organization"]["id"] == str(organization.id)
    assert body["organization"]["teams"] == [team_basic(environment, ingested=True)]
    assert body == {
        "date_joined": iso(owner.date_joined),
        "uuid": str(owner.uuid),
        "distinct_id": owner.distinct_id,
        "first_name": "Alice",
        "last_name": "A",
        "email": "alice@example.com",
        "pending_email": None,
        "is_email_verified": None,
        "notification_settings": {},
        "anonymize_data": False,
        "toolbar_mode": "toolbar",
        "has_password": True,
        "id": owner.id,
        "is_staff": False,
        "is_impersonated": False,
        "is_impersonated_until": None,
        "sensitive_session_expires_at": None,
        "team": team_basic(environment, ingested=True),
        "organization": body["organization"],
        "organizations": [
            {
                "id": str(organization.id),
                "name": "Acme",
                "slug": "acme",
                "logo_media_id": None,
                "membership_level": 15,
                "members_can_use_personal_api_keys": True,
            }
        ],
        "events_column_config": {"active": "DEFAULT"},
        "is_2fa_enabled": False,
        "has_social_auth": False,
        "has_sso_enforcement": False,
        "has_seen_product_intro_for": None,
        "scene_personalisation": [],
        "theme_mode": None,
        "hedgehog_config": None,
        "role_at_organization": None,
    }


def test_me_by_own_uuid_works_and_another_users_is_404(api: APIClient, owner: User, teammate: User) -> None:
    assert api.get(f"/api/users/{owner.uuid}/").json()["email"] == "alice@example.com"
    response = api.get(f"/api/users/{teammate.uuid}/")

    assert response.status_code == 404
    assert response.json()["detail"] == "User not found."


def test_me_with_a_key_scoped_elsewhere_shows_no_team(
    key_client: Callable[..., APIClient],
    owner: User,
    environment: Environment,
    other_environment: Environment,
) -> None:
    response = key_client(["user:read"], scoped_teams=[other_environment.id]).get("/api/users/@me/")

    assert response.status_code == 200
    assert (response.json()["team"], response.json()["organization"], response.json()["organizations"]) == (
        None,
        None,
        [],
    )


def test_me_needs_the_user_scope(key_client: Callable[..., APIClient], owner: User) -> None:
    response = key_client(["session_recording:read"]).get("/api/users/@me/")

    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'user:read'"


def test_logged_in_staff_reach_them_without_scopes(staff_client: Client, environment: Environment) -> None:
    assert staff_client.get("/api/projects/").json()["count"] == 1
    assert staff_client.get("/api/users/@me/").json()["is_staff"] is True


def test_a_sharing_token_opens_none_of_them(api: APIClient, environment: Environment) -> None:
    response = APIClient().get("/api/projects/?sharing_access_token=whatever")

    assert response.status_code == 401

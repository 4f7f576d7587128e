from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from recordings_api.models import Environment, PersonalAPIKey, User
from recordings_api.models.personal_api_keys import hash_personal_api_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["organization", "project", "environment", "membership", "user", "personalapikey"]
)
def test_changelists_render(staff_client: Client, path: str) -> None:
    assert staff_client.get(f"/admin/recordings_api/{path}/").status_code == 200


def test_creating_a_key_shows_the_plaintext_once(
    staff_client: Client, owner: User, environment: Environment
) -> None:
    response = staff_client.post(
        "/admin/recordings_api/personalapikey/add/",
        {
            "user": owner.pk,
            "label": "from admin",
            "scopes": ["session_recording:read"],
            "scoped_teams": [str(environment.id)],
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    match = re.search(r"(phx_[0-9A-Za-z]{48})", page)
    assert match, page[:2000]
    plaintext = match.group(1)
    key = PersonalAPIKey.objects.get(label="from admin")
    assert key.secure_value == hash_personal_api_key(plaintext)
    assert key.scopes == ["session_recording:read"]
    assert key.scoped_teams == [environment.id]
    assert key.scoped_organizations == []
    detail = staff_client.get(f"/admin/recordings_api/personalapikey/{key.pk}/change/").content.decode()
    assert plaintext not in detail
    listing = staff_client.get("/admin/recordings_api/personalapikey/").content.decode()
    assert plaintext not in listing


# --- key revocation, expiry and scoping choices ------------------------------------------------


def _key_request(client: Client, plaintext: str) -> Any:
    return client.get("/api/projects/@current/session_recordings/", HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def test_revoking_keys_keeps_the_rows_and_the_keys_answer_401(
    staff_client: Client, owner: User, environment: Environment, client: Client
) -> None:
    from recordings_api.services import personal_api_key_create

    revoked = personal_api_key_create(user=owner, label="to revoke", scopes=["*"])
    kept = personal_api_key_create(user=owner, label="to keep", scopes=["*"])
    assert _key_request(client, revoked.plaintext).status_code == 200

    response = staff_client.post(
        "/admin/recordings_api/personalapikey/",
        {"action": "revoke_keys", "_selected_action": [revoked.key.pk]},
        follow=True,
    )

    assert "Revoked 1 key(s)." in response.content.decode()
    refused = _key_request(client, revoked.plaintext)
    assert refused.status_code == 401
    assert refused.json() == {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": "Personal API key found in request Authorization header has been revoked.",
        "attr": None,
    }
    assert _key_request(client, kept.plaintext).status_code == 200
    assert PersonalAPIKey.objects.filter(pk=revoked.key.pk, revoked_at__isnull=False).exists()
    listing = staff_client.get("/admin/recordings_api/personalapikey/?status=revoked").content.decode()
    assert "to revoke" in listing and "to keep" not in listing
    assert "delete_selected" not in staff_client.get("/admin/recordings_api/personalapikey/").content.decode()


def test_an_expired_key_answers_401_and_is_listed_as_expired(
    staff_client: Client, owner: User, environment: Environment, client: Client
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from recordings_api.services import personal_api_key_create

    now = timezone.now()
    expired = personal_api_key_create(user=owner, label="old", scopes=["*"], expires_at=now - timedelta(1))
    future = personal_api_key_create(user=owner, label="new", scopes=["*"], expires_at=now + timedelta(1))

    assert _key_request(client, expired.plaintext).json()["detail"] == (
        "Personal API key found in request Authorization header has expired."
    )
    assert _key_request(client, future.plaintext).status_code == 200
    listing = staff_client.get("/admin/recordings_api/personalapikey/?status=expired").content.decode()
    assert ">old<" in listing and ">new<" not in listing


def test_key_form_offers_environments_and_organizations_as_choices(
    staff_client: Client, environment: Environment, other_environment: Environment
) -> None:
    page = staff_client.get("/admin/recordings_api/personalapikey/add/").content.decode()

    assert f'<option value="{environment.id}">Acme / Production ({environment.id})</option>' in page
    organization_id = other_environment.project.organization_id
    assert f'<option value="{organization_id}">Other org</option>' in page


# --- organizations and projects ------------------------------------------------------------------


def test_organization_then_project_are_created_in_the_admin(staff_client: Client) -> None:
    from recordings_api.models import Environment, Organization, Project

    staff_client.post(
        "/admin/recordings_api/organization/add/",
        {
            "name": "Initech",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    organization = Organization.objects.get(name="Initech")
    response = staff_client.post(
        "/admin/recordings_api/project/add/", {"organization": organization.pk, "name": "Initech web"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(name="Initech web")
    assert project.organization == organization
    assert Environment.objects.get(id=project.id).project_id == project.id

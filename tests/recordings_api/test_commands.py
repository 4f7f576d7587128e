from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django import Settings

from recordings_api.models import (
    Environment,
    Organization,
    PersonalAPIKey,
    Project,
    SentryClientKey,
    User,
)
from recordings_api.models.personal_api_keys import hash_personal_api_key

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def demo_key_file(settings: Settings, tmp_path: Path) -> Path:
    settings.DEMO_API_KEY_FILE = tmp_path / "var" / "demo_api_key"
    return Path(settings.DEMO_API_KEY_FILE)


def printed(output: str, label: str) -> str:
    [value] = [line.split(": ", 1)[1] for line in output.splitlines() if line.startswith(f"{label}: ")]
    return value


def test_bootstrap_demo_is_idempotent_and_reuses_its_key(demo_key_file: Path) -> None:
    first = run("bootstrap_demo")
    second = run("bootstrap_demo")
    environment = Environment.objects.get(id=1)
    assert environment.project_id == 1
    assert User.objects.filter(email="demo@example.com").count() == 1
    assert printed(first, "Project token (posthog-js api key)") == environment.api_token
    key = printed(first, "Personal API key")
    assert printed(second, "Personal API key") == key
    assert PersonalAPIKey.objects.filter(label="bootstrap_demo").count() == 1
    assert PersonalAPIKey.objects.get(label="bootstrap_demo").secure_value == hash_personal_api_key(key)
    assert demo_key_file.read_text().strip() == key
    assert demo_key_file.stat().st_mode & 0o077 == 0
    assert printed(first, "Admin") == "http://127.0.0.1:8000/admin/"
    assert printed(first, "API docs (Swagger UI)") == "http://127.0.0.1:8000/api/schema/swagger-ui/"
    assert printed(first, "API docs (Redoc)") == "http://127.0.0.1:8000/api/schema/redoc/"


def test_bootstrap_demo_prints_a_sentry_dsn_of_the_demo_environment(client: Client) -> None:
    first, second = printed(run("bootstrap_demo"), "Sentry DSN"), printed(run("bootstrap_demo"), "Sentry DSN")

    key = SentryClientKey.objects.get(environment_id=1)
    assert first == second == f"http://{key.public_key}@127.0.0.1:8000/1"
    response = client.post(
        f"/api/1/envelope/?sentry_key={key.public_key}&sentry_version=7",
        data=b'{"sent_at":"2026-01-01T00:00:00Z"}\n{"type":"session"}\n{"sid":"x"}',
        content_type="text/plain;charset=UTF-8",
    )
    assert (response.status_code, response.json()) == (200, {})


def test_bootstrap_demo_mints_a_new_key_when_the_saved_one_no_longer_works(demo_key_file: Path) -> None:
    from recordings_api.services import personal_api_keys_revoke

    first = printed(run("bootstrap_demo"), "Personal API key")
    personal_api_keys_revoke(keys=list(PersonalAPIKey.objects.all()))
    second = printed(run("bootstrap_demo"), "Personal API key")
    demo_key_file.unlink()
    third = printed(run("bootstrap_demo"), "Personal API key")

    assert len({first, second, third}) == 3
    assert demo_key_file.read_text().strip() == third


def test_create_organization_prints_the_first_credentials(client: Client) -> None:
    output = run("create_organization", "--name", "Initech", "--admin-email", "Admin@Initech.example")

    project = Project.objects.get(organization__name="Initech")
    environment = Environment.objects.get(id=project.id)
    user = User.objects.get(email="admin@initech.example")
    assert user.is_staff and user.is_superuser
    assert user.memberships.get().organization == project.organization
    assert printed(output, "Project id") == str(project.id)
    assert printed(output, "Project token (posthog-js api key)") == environment.api_token
    client_key = SentryClientKey.objects.get(environment=environment)
    assert printed(output, "Sentry DSN") == f"http://{client_key.public_key}@127.0.0.1:8000/{environment.id}"
    login, password = printed(output, "Admin login").removesuffix(" at /admin/").split(" / ")
    assert login == "admin@initech.example" and user.check_password(password)
    key = printed(output, "Personal API key")
    response = client.get(
        f"/api/projects/{project.id}/session_recordings/", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 200


def test_create_organization_refuses_a_duplicate_and_bad_email() -> None:
    run("create_organization", "--name", "Initech", "--admin-email", "a@initech.example")

    with pytest.raises(CommandError, match="already exists; nothing was changed"):
        run("create_organization", "--name", "Initech", "--admin-email", "b@initech.example")
    with pytest.raises(CommandError, match="is not an email address"):
        run("create_organization", "--name", "Other", "--admin-email", "not-an-email")
    assert not User.objects.filter(email="b@initech.example").exists()


def test_create_personal_api_key_prints_the_key_last(owner: User) -> None:
    output = run(
        "create_personal_api_key",
        "--email",
        owner.email,
        "--scopes",
        "session_recording:read, sharing_configuration:write",
        "--label",
        "ci",
        "--team",
        "7",
    )
    plaintext = output.strip().splitlines()[-1]
    key = PersonalAPIKey.objects.get(secure_value=hash_personal_api_key(plaintext))
    assert (key.label, key.scopes, key.scoped_teams) == (
        "ci",
        ["session_recording:read", "sharing_configuration:write"],
        [7],
    )


def test_create_personal_api_key_rejects_bad_input(owner: User) -> None:
    with pytest.raises(CommandError, match="No user"):
        run("create_personal_api_key", "--email", "nobody@example.com", "--scopes", "*")
    with pytest.raises(CommandError, match="Unknown scope"):
        run("create_personal_api_key", "--email", owner.email, "--scopes", "everything")


def test_bootstrap_demo_takes_id_1_even_after_other_projects(organization: Organization) -> None:
    from recordings_api.services import project_create

    first = project_create(organization=organization, name="a")
    project_create(organization=organization, name="b")
    Project.objects.filter(id=first.id).delete()  # the ids drawn so far are gone; the sequence has moved on
    Project.objects.filter(id=1).delete()
    run("bootstrap_demo")
    assert Environment.objects.get(id=1).project_id == 1
    later = project_create(organization=organization, name="after the demo")
    assert later.id > 1

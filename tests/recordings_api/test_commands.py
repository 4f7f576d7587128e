from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from recordings_api.models import Environment, PersonalAPIKey, Project, User
from recordings_api.models.personal_api_keys import hash_personal_api_key

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_bootstrap_demo_is_idempotent():
    first = run("bootstrap_demo")
    second = run("bootstrap_demo")
    environment = Environment.objects.get(id=1)
    assert environment.project_id == 1
    assert User.objects.filter(email="demo@example.com").count() == 1
    assert environment.api_token in first and environment.api_token in second
    keys = [line.rsplit(" ", 1)[-1] for line in (first + second).splitlines() if "Personal API key" in line]
    assert len(set(keys)) == 2
    assert all(
        PersonalAPIKey.objects.filter(secure_value=hash_personal_api_key(key)).exists() for key in keys
    )


def test_create_personal_api_key_prints_the_key_last(owner):
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


def test_create_personal_api_key_rejects_bad_input(owner):
    with pytest.raises(CommandError, match="No user"):
        run("create_personal_api_key", "--email", "nobody@example.com", "--scopes", "*")
    with pytest.raises(CommandError, match="Unknown scope"):
        run("create_personal_api_key", "--email", owner.email, "--scopes", "everything")


def test_bootstrap_demo_takes_id_1_even_after_other_projects(organization):
    from recordings_api.services import project_create

    first = project_create(organization=organization, name="a")
    project_create(organization=organization, name="b")
    Project.objects.filter(id=first.id).delete()  # the ids drawn so far are gone; the sequence has moved on
    Project.objects.filter(id=1).delete()
    run("bootstrap_demo")
    assert Environment.objects.get(id=1).project_id == 1
    later = project_create(organization=organization, name="after the demo")
    assert later.id > 1

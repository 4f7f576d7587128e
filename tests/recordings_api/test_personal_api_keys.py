"""Personal API keys: storage, every auth source, failures, last_used_at resolution."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings_api.models import Environment, PersonalAPIKey, User
from recordings_api.models.personal_api_keys import hash_personal_api_key
from recordings_api.services import personal_api_key_create

pytestmark = pytest.mark.django_db


def list_url(environment: Environment) -> str:
    return f"/api/projects/{environment.id}/session_recordings/"


def test_key_is_stored_only_as_a_hash(owner: User) -> None:
    created = personal_api_key_create(user=owner, label="ci", scopes=["session_recording:read"])
    assert re.fullmatch(r"phx_[0-9A-Za-z]{48}", created.plaintext)
    row = PersonalAPIKey.objects.get(pk=created.key.pk)
    assert row.secure_value == hash_personal_api_key(created.plaintext)
    assert row.secure_value.startswith("sha256$")
    assert row.mask_value == f"phx_...{created.plaintext[-4:]}"
    stored_text = " ".join(str(value) for value in PersonalAPIKey.objects.values_list().get(pk=row.pk))
    assert created.plaintext not in stored_text


def test_two_keys_differ(owner: User) -> None:
    first = personal_api_key_create(user=owner, label="a", scopes=["*"]).plaintext
    second = personal_api_key_create(user=owner, label="b", scopes=["*"]).plaintext
    assert first != second


def test_unknown_scope_is_rejected(owner: User) -> None:
    with pytest.raises(ValueError, match="Unknown scope 'recordings:read'"):
        personal_api_key_create(user=owner, label="x", scopes=["recordings:read"])


def test_bearer_header_authenticates(
    environment: Environment, owner: User, make_key: Callable[..., str]
) -> None:
    client = APIClient()
    response = client.get(list_url(environment), HTTP_AUTHORIZATION=f"Bearer {make_key(owner)}")
    assert response.status_code == 200


def test_query_parameter_authenticates(
    environment: Environment, owner: User, make_key: Callable[..., str]
) -> None:
    response = APIClient().get(list_url(environment), {"personal_api_key": make_key(owner)})
    assert response.status_code == 200


def test_body_field_authenticates(
    environment: Environment, owner: User, make_key: Callable[..., str]
) -> None:
    key = make_key(owner, ["session_recording:write"])
    response = APIClient().post(
        f"/api/projects/{environment.id}/session_recordings/bulk_viewed/",
        {"personal_api_key": key, "session_recording_ids": ["s1"]},
        format="json",
    )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("kwargs", "source"),
    [
        ({"HTTP_AUTHORIZATION": "Bearer phx_wrong"}, "Authorization header"),
        ({"QUERY_STRING": "personal_api_key=phx_wrong"}, "query string"),
    ],
)
def test_wrong_key_is_401_naming_its_source(
    environment: Environment, kwargs: dict[str, Any], source: str
) -> None:
    response = APIClient().get(list_url(environment), **kwargs)
    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": f"Personal API key found in request {source} is invalid.",
        "attr": None,
    }


def test_wrong_key_in_body_is_401(environment: Environment) -> None:
    response = APIClient().post(
        f"/api/projects/{environment.id}/session_recordings/bulk_viewed/",
        {"personal_api_key": "phx_wrong", "session_recording_ids": ["s1"]},
        format="json",
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Personal API key found in request request body is invalid."


def test_header_wins_over_query(environment: Environment, owner: User, make_key: Callable[..., str]) -> None:
    response = APIClient().get(
        list_url(environment) + "?personal_api_key=phx_wrong", HTTP_AUTHORIZATION=f"Bearer {make_key(owner)}"
    )
    assert response.status_code == 200


def test_inactive_users_key_is_rejected(
    environment: Environment, owner: User, make_key: Callable[..., str]
) -> None:
    key = make_key(owner)
    owner.is_active = False
    owner.save()
    response = APIClient().get(list_url(environment), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401


def test_last_used_at_is_written_at_most_hourly(
    environment: Environment, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = personal_api_key_create(user=owner, label="x", scopes=["*"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.plaintext}")

    client.get(list_url(environment))
    first_use = PersonalAPIKey.objects.get(pk=created.key.pk).last_used_at
    assert first_use is not None

    client.get(list_url(environment))
    assert PersonalAPIKey.objects.get(pk=created.key.pk).last_used_at == first_use

    # Two hours pass (the clock moves; the row is not rewritten behind the access cache's back).
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.get(list_url(environment))
    assert PersonalAPIKey.objects.get(pk=created.key.pk).last_used_at == later

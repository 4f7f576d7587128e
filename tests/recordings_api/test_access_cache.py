"""The access cache (``recordings_api.access_cache``) through real URLs: a key, scope or
membership change is refused on the very next request, in this process and in others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from recordings_api.access_cache import ACCESS_GENERATION_KEY, new_access_generation
from recordings_api.models import Environment, Membership, PersonalAPIKey, User
from recordings_api.services import personal_api_key_create, personal_api_keys_revoke

pytestmark = pytest.mark.skipif(
    "RedisCache" not in caches["default"].__class__.__name__, reason="the access cache needs Redis"
)


def _url(environment: Environment) -> str:
    return f"/api/environments/{environment.id}/session_recordings/"


def _client(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def _generation() -> Any:
    cache = caches["default"]
    client = cache._cache.get_client(ACCESS_GENERATION_KEY)  # type: ignore[attr-defined]
    return client.get(cache.make_key(ACCESS_GENERATION_KEY))


def _generation_replaced_elsewhere() -> None:
    """What another process's commit does: a new token in Redis, this process's cache untouched."""
    cache = caches["default"]
    client = cache._cache.get_client(ACCESS_GENERATION_KEY, write=True)  # type: ignore[attr-defined]
    client.set(cache.make_key(ACCESS_GENERATION_KEY), new_access_generation())


def test_revoked_key_is_refused_on_the_next_request(environment: Environment, owner: User) -> None:
    created = personal_api_key_create(user=owner, label="x", scopes=["*"])
    client = _client(created.plaintext)
    assert client.get(_url(environment)).status_code == 200
    assert client.get(_url(environment)).status_code == 200  # served from the cache

    personal_api_keys_revoke(keys=[created.key])

    response = client.get(_url(environment))
    assert response.status_code == 401
    assert (
        response.json()["detail"]
        == "Personal API key found in request Authorization header has been revoked."
    )


def test_narrowed_scope_is_refused_on_the_next_request(environment: Environment, owner: User) -> None:
    created = personal_api_key_create(user=owner, label="x", scopes=["*"])
    client = _client(created.plaintext)
    assert client.get(_url(environment)).status_code == 200

    key = PersonalAPIKey.objects.get(pk=created.key.pk)
    key.scopes = ["playlist:read"]
    key.save()

    response = client.get(_url(environment))
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'session_recording:read'"


def test_removed_member_is_refused_on_the_next_request(
    environment: Environment, teammate: User, make_key: Callable[..., str]
) -> None:
    client = _client(make_key(teammate, ["*"]))
    assert client.get(_url(environment)).status_code == 200

    Membership.objects.filter(user=teammate).delete()

    response = client.get(_url(environment))
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_deactivated_user_is_refused_on_the_next_request(
    environment: Environment, owner: User, make_key: Callable[..., str]
) -> None:
    client = _client(make_key(owner, ["*"]))
    assert client.get(_url(environment)).status_code == 200

    owner.is_active = False
    owner.save()

    assert client.get(_url(environment)).status_code == 401


def test_a_change_committed_by_another_process_is_seen_through_the_generation(
    environment: Environment, owner: User
) -> None:
    created = personal_api_key_create(user=owner, label="x", scopes=["*"])
    client = _client(created.plaintext)
    assert client.get(_url(environment)).status_code == 200
    # Another process revokes the key: the row changes, this process's cache is not told...
    PersonalAPIKey.objects.filter(pk=created.key.pk).update(revoked_at=timezone.now())
    # ...until that process's commit replaces the generation.
    _generation_replaced_elsewhere()

    assert client.get(_url(environment)).status_code == 401


def test_committing_a_change_replaces_the_generation(
    environment: Environment, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    created = personal_api_key_create(user=owner, label="x", scopes=["*"])
    assert _client(created.plaintext).get(_url(environment)).status_code == 200
    before = _generation()
    assert before is not None

    with django_capture_on_commit_callbacks(execute=True):
        personal_api_keys_revoke(keys=[created.key])

    assert _generation() not in (None, before)


def test_another_environment_is_not_served_from_this_ones_entry(
    environment: Environment, other_environment: Environment, owner: User, make_key: Callable[..., str]
) -> None:
    client = _client(make_key(owner, ["*"]))
    assert client.get(_url(environment)).status_code == 200
    response = client.get(_url(other_environment))
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_a_login_keeps_the_generation(
    owner: User, django_capture_on_commit_callbacks: Any, make_key: Callable[..., str]
) -> None:
    """A login saves only ``last_login``: it changes nothing a request is authorised by."""
    _client(make_key(owner, ["*"]))
    before = _generation()

    with django_capture_on_commit_callbacks(execute=True):
        Client().force_login(owner)

    owner.refresh_from_db()
    assert owner.last_login is not None
    assert _generation() == before


def test_saving_another_field_with_last_login_replaces_the_generation(
    owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    before = _generation()

    with django_capture_on_commit_callbacks(execute=True):
        owner.is_active = False
        owner.save(update_fields=["last_login", "is_active"])

    assert _generation() not in (None, before)

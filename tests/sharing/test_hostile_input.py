"""Inputs a careless or hostile caller sends to sharing: a 4xx (or the 404 page), never a 500.

NUL characters matter on PostgreSQL, which refuses them in text and JSONB values.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"type", "code", "detail", "attr"}


@pytest.mark.parametrize("method", ["get", "patch"])
def test_a_nul_in_the_recording_id_is_404(api: APIClient, environment: Environment, method: str) -> None:
    response = getattr(api, method)(
        f"/api/projects/{environment.id}/session_recordings/a%00b/sharing/", {}, format="json"
    )

    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS


def test_a_nul_in_settings_is_400(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    response = api.patch(sharing_url(recording), {"settings": {"noHeader\x00": True}}, format="json")

    assert response.status_code == 400
    assert response.json()["attr"] == "settings"


def test_a_nul_in_a_settings_value_is_400(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> None:
    response = api.patch(sharing_url(recording), {"settings": {"theme": "da\x00rk"}}, format="json")

    assert response.status_code == 400
    assert response.json()["attr"] == "settings"


@pytest.mark.parametrize("path", ["/shared/a%00b", "/embedded/a%00b", "/shared/a%00b.json"])
def test_a_nul_in_a_page_token_is_the_404_page(client: Client, db: None, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_nul_in_the_api_token_is_400(client: Client, recording: SessionRecording) -> None:
    # The core refuses NUL characters in any API query parameter before authentication runs.
    response = client.get(
        f"/api/projects/{recording.environment_id}/session_recordings/{recording.session_id}/",
        {"sharing_access_token": "a\x00b"},
    )

    assert response.status_code == 400
    assert set(response.json()) == ERROR_KEYS
    assert (response.json()["code"], response.json()["attr"]) == (
        "null_characters_not_allowed",
        "sharing_access_token",
    )

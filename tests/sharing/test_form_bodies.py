"""Form-encoded and multipart bodies on ``PATCH …/sharing``: only the fields sent change (an absent
``enabled`` is not read as false)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from sharing.models import SharingConfiguration

FORM = "application/x-www-form-urlencoded"


def _patch(client: APIClient, path: str, fields: dict[str, str], encoding: str) -> Any:
    if encoding == "multipart":
        return client.patch(path, fields, format="multipart")
    return client.patch(path, urlencode(fields), content_type=FORM)


@pytest.fixture
def shared(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording
) -> SharingConfiguration:
    response = api.patch(
        sharing_url(recording), {"enabled": True, "settings": {"noHeader": True}}, format="json"
    )
    assert response.status_code == 200
    return SharingConfiguration.objects.get(recording=recording, expires_at__isnull=True)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_patch_of_password_required_false_keeps_sharing_enabled(
    api: APIClient,
    sharing_url: Callable[..., str],
    recording: SessionRecording,
    shared: SharingConfiguration,
    encoding: str,
) -> None:
    response = _patch(api, sharing_url(recording), {"password_required": "false"}, encoding)

    assert response.status_code == 200
    assert response.json() == {
        "created_at": shared.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enabled": True,
        "access_token": shared.access_token,
        "settings": {"noHeader": True},
        "password_required": False,
        "share_passwords": [],
    }
    shared.refresh_from_db()
    assert (shared.enabled, shared.settings) == (True, {"noHeader": True})


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_patch_of_settings_leaves_enabled_alone(
    api: APIClient,
    sharing_url: Callable[..., str],
    recording: SessionRecording,
    shared: SharingConfiguration,
    encoding: str,
) -> None:
    response = _patch(api, sharing_url(recording), {"settings": '{"whitelabel": true}'}, encoding)

    assert response.status_code == 200
    shared.refresh_from_db()
    assert (shared.enabled, shared.settings) == (True, {"whitelabel": True})


def test_a_form_patch_may_disable(
    api: APIClient, sharing_url: Callable[..., str], recording: SessionRecording, shared: SharingConfiguration
) -> None:
    response = _patch(api, sharing_url(recording), {"enabled": "false"}, "urlencoded")

    assert response.status_code == 200
    shared.refresh_from_db()
    assert (shared.enabled, shared.settings) == (False, {"noHeader": True})

"""Admin: shared recordings listed, enabled/disabled/rotated through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import Settings

from recordings.models import SessionRecording
from sharing.models import SharingConfiguration

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/sharing/sharingconfiguration/"


@pytest.fixture
def shared(recording: SessionRecording) -> SharingConfiguration:
    return SharingConfiguration.objects.create(
        environment=recording.environment, recording=recording, enabled=True
    )


def _run(client: Client, action: str, configuration: SharingConfiguration) -> None:
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [configuration.pk]})
    assert response.status_code == 302


def test_changelist_shows_current_configurations_only(
    staff_client: Client, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    SharingConfiguration.objects.create(
        environment=recording.environment,
        recording=recording,
        enabled=True,
        expires_at="2020-01-01T00:00:00Z",
    )
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert recording.session_id in response.content.decode()
    assert f"/shared/{shared.access_token}" in response.content.decode()


def test_disable_and_enable_actions(
    staff_client: Client, shared: SharingConfiguration, recording: SessionRecording
) -> None:
    _run(staff_client, "disable_sharing", shared)
    shared.refresh_from_db()
    assert shared.enabled is False
    _run(staff_client, "enable_sharing", shared)
    shared.refresh_from_db()
    recording.refresh_from_db()
    assert (shared.enabled, recording.persisted) == (True, True)


def test_rotate_action(staff_client: Client, shared: SharingConfiguration, settings: Settings) -> None:
    settings.SHARING_TOKEN_GRACE_SECONDS = 300
    _run(staff_client, "rotate_token", shared)
    shared.refresh_from_db()
    assert shared.expires_at is not None
    current = SharingConfiguration.objects.get(expires_at__isnull=True)
    assert current.access_token != shared.access_token
    assert current.enabled is True


def test_rows_cannot_be_added_or_deleted(staff_client: Client, shared: SharingConfiguration) -> None:
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
    assert staff_client.get(f"{CHANGELIST}{shared.pk}/delete/").status_code == 403
    assert staff_client.get(f"{CHANGELIST}{shared.pk}/change/").status_code == 200

"""Purging recordings past retention: what the API hides as expired is deleted for real."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionEvent, SessionRecording
from recordings.services import session_recordings_expired_purge
from recordings.tasks import recordings_expired_purge
from recordings_api.models import Environment
from tests.factories import SessionEventFactory
from tests.recordings.conftest import base_url, make_recording, result_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def recordings(environment: Environment, other_environment: Environment) -> dict[str, SessionRecording]:
    now = timezone.now()

    def make(env: Environment, days: int, **fields: Any) -> SessionRecording:
        return make_recording(env, start=now - timedelta(days=days), duration=60, active=1, **fields)

    rows = {
        "fresh": make(environment, 1),
        "expired": make(environment, 31),
        "expired_short": make(environment, 8, retention_period_days=7),
        "kept_long": make(environment, 100, retention_period_days=365),
        "persisted": make(environment, 400, persisted=True),
        "other_expired": make(other_environment, 40),
    }
    SessionEventFactory.create(environment=environment, session_id=rows["expired"].session_id)
    return rows


def _left(environment: Environment) -> set[str]:
    return set(SessionRecording.objects.filter(environment=environment).values_list("session_id", flat=True))


def test_purge_deletes_exactly_what_the_api_hides(
    api: APIClient,
    environment: Environment,
    recordings: dict[str, SessionRecording],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    visible_before = set(result_ids(api.get(base_url(environment))))

    with django_capture_on_commit_callbacks() as callbacks:
        purged = session_recordings_expired_purge(environment=environment, batch_size=1)

    assert purged == 2
    assert (
        _left(environment)
        == visible_before
        == {recordings[name].session_id for name in ("fresh", "kept_long", "persisted")}
    )
    assert len(callbacks) == 2  # one blob/live-buffer deletion task per purged recording
    assert set(DeletedRecording.objects.values_list("session_id", flat=True)) == {
        recordings["expired"].session_id,
        recordings["expired_short"].session_id,
    }
    assert not SessionEvent.objects.filter(session_id=recordings["expired"].session_id).exists()
    assert SessionRecording.objects.filter(pk=recordings["other_expired"].pk).exists()
    assert session_recordings_expired_purge(environment=environment) == 0


def test_periodic_task_purges_every_environment(
    environment: Environment, other_environment: Environment, recordings: dict[str, SessionRecording]
) -> None:
    assert recordings_expired_purge() == 3
    assert not SessionRecording.objects.filter(pk=recordings["other_expired"].pk).exists()


def test_command(
    environment: Environment, other_environment: Environment, recordings: dict[str, SessionRecording]
) -> None:
    out = StringIO()

    call_command("purge_expired_recordings", "--environment", str(other_environment.id), stdout=out)

    assert out.getvalue().strip().splitlines() == [
        f"environment {other_environment.id}: purged 1 recording(s)",
        "purged 1 expired recording(s)",
    ]
    assert SessionRecording.objects.filter(pk=recordings["expired"].pk).exists()


def test_command_dry_run_counts_and_deletes_nothing(
    environment: Environment, other_environment: Environment, recordings: dict[str, SessionRecording]
) -> None:
    out = StringIO()

    call_command("purge_expired_recordings", "--dry-run", stdout=out)

    assert out.getvalue().strip().splitlines() == [
        f"environment {environment.id}: would purge 2 recording(s)",
        f"environment {other_environment.id}: would purge 1 recording(s)",
        "dry run: 3 expired recording(s) would be purged",
    ]
    assert SessionRecording.objects.filter(pk=recordings["other_expired"].pk).exists()


def test_command_unknown_environment_is_a_clean_error(db: None) -> None:
    with pytest.raises(CommandError, match=r"^Environment 999999 does not exist\.$"):
        call_command("purge_expired_recordings", "--environment", "999999", stdout=StringIO())

"""The real ``@sentry/browser`` replay (``tests/fixtures/sentry-browser-11.12.0``) ingested into an
environment through the envelope endpoint, for the Sentry face's read tests, and the archived
placeholder a deleted replay is served as (no tests here)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from recordings.models import SessionRecording
from recordings_api.models import Environment, SentryClientKey
from tests.snapshots.sentry_support import (
    FIXTURE_PUBLIC_KEY,
    FIXTURE_REPLAY_ID,
    post_envelope,
    rebased_envelopes,
)


def ingest_fixture_replay(environment: Environment, bodies: list[bytes] | None = None) -> SessionRecording:
    """Posts the SDK's six envelopes (rebased to now) and returns the replay's recording."""
    key = f"{FIXTURE_PUBLIC_KEY[:-4]}{environment.id:04d}"  # one key per environment
    public_key = SentryClientKey.objects.get_or_create(environment=environment, defaults={"public_key": key})[
        0
    ].public_key
    for body in bodies or rebased_envelopes():
        assert post_envelope(Client(), environment.id, body, public_key=public_key).status_code == 200
    return SessionRecording.objects.get(environment=environment, session_id=FIXTURE_REPLAY_ID)


def archived_placeholder(replay_id: str, project_id: int) -> dict[str, Any]:
    """Sentry's archived replay (reference §6.4), with every key of the live object."""
    return {
        "activity": None,
        "browser": {"name": None, "version": None},
        "count_dead_clicks": None,
        "count_errors": None,
        "count_infos": None,
        "count_rage_clicks": None,
        "count_segments": None,
        "count_urls": None,
        "count_warnings": None,
        "device": {"brand": None, "family": None, "model": None, "model_id": None, "name": None},
        "dist": None,
        "duration": None,
        "environment": None,
        "error_ids": [],
        "finished_at": None,
        "has_viewed": False,
        "id": replay_id,
        "info_ids": [],
        "is_archived": True,
        "os": {"name": None, "version": None},
        "platform": None,
        "project_id": str(project_id),
        "releases": [],
        "replay_type": None,
        "sdk": {"name": None, "version": None},
        "started_at": None,
        "tags": [],
        "trace_ids": [],
        "urls": [],
        "user": {
            "display_name": "Archived Replay",
            "email": None,
            "id": "Archived Replay",
            "ip": None,
            "ip_address": None,
            "username": None,
        },
        "warning_ids": [],
    }

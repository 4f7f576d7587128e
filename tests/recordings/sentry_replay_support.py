"""The real ``@sentry/browser`` replay (``tests/fixtures/sentry-browser-11.12.0``) ingested into an
environment through the envelope endpoint, for the Sentry face's read tests (no tests here)."""

from __future__ import annotations

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

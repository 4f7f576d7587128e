"""Recordings as both SDKs leave them, for the Sentry face's browse and search tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from recordings.models import RecordingClick, RecordingTag, SessionRecording
from recordings_api.models import Environment
from tests.factories import SessionRecordingFactory

REPLAY_ID = "3a6da366485c4fb5b140fc2072c1d4ee"


def sentry_replay(environment: Environment, **overrides: Any) -> SessionRecording:
    """A Sentry replay as the ingestion folds it (every Sentry column set)."""
    start = overrides.pop("start_time", timezone.now().replace(microsecond=0) - timedelta(hours=2))
    values: dict[str, Any] = {
        "environment": environment,
        "session_id": REPLAY_ID,
        "start_time": start,
        "end_time": start + timedelta(seconds=13),
        "snapshot_source": "web",
        "sdk_name": "sentry.javascript.browser",
        "sdk_version": "11.12.0",
        "sdk_environment": "e2e",
        "platform": "javascript",
        "replay_type": "session",
        "dist": "",
        "releases": ["e2e@1.0.0"],
        "app_user_id": "u1",
        "app_user_email": "u1@example.com",
        "app_user_username": "user one",
        "app_user_ip": "127.0.0.1",
        "browser_name": "Chrome",
        "browser_version": "156.0.0",
        "os_name": "Linux",
        "os_version": "",
        "device_name": "",
        "device_brand": "",
        "device_model": "",
        "device_family": "Other",
        "tags": {"plan": ["free"]},
        "trace_ids": ["a" * 32],
        "error_ids": ["7697" + "0" * 28],
        "warning_ids": [],
        "info_ids": [],
        "error_count": 1,
        "visited_urls": ["http://app.test/", "http://app.test/checkout", "http://app.test/"],
        "url_count": 3,
        "segment_count": 2,
        "dead_click_count": 1,
        "rage_click_count": 1,
    }
    values.update(overrides)
    recording = SessionRecordingFactory.create(**values)
    for key, tag_values in recording.tags.items():
        for value in tag_values:
            RecordingTag.objects.create(
                environment=environment, session_id=recording.session_id, key=key, value=value
            )
    return recording


def click(recording: SessionRecording, **values: Any) -> RecordingClick:
    defaults: dict[str, Any] = {
        "click_key": str(RecordingClick.objects.count()),
        "source": "sentry",
        "tag": "button",
    }
    defaults.update(values)
    return RecordingClick.objects.create(
        environment_id=recording.environment_id,
        session_id=recording.session_id,
        timestamp=recording.start_time,
        **defaults,
    )


@pytest.fixture
def replay(environment: Environment) -> SessionRecording:
    return sentry_replay(environment)

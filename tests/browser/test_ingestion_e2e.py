"""A real browser records a real page with the npm posthog-js; the data lands in S3 via this service."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from recordings.models import SessionEvent, SessionRecording
from recordings_api.models import Environment, User
from recordings_api.services import membership_add, personal_api_key_create
from snapshots.models import RecordingBlob
from snapshots.storage import get_blob_store
from tests.browser.conftest import RecordedSession
from tests.browser.sentry_api import SentryReplaysClient

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # With in-memory SQLite, the live server's request threads share the test's connection and
    # Django complains when a late keep-alive request closes it; PostgreSQL runs are silent.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


def _blob_events(environment: Environment, session_id: str) -> list[dict[str, Any]]:
    blobs = RecordingBlob.objects.filter(environment=environment, session_id=session_id)
    assert blobs.exists()
    events: list[dict[str, Any]] = []
    for blob in blobs:
        stream = get_blob_store().open(blob.object_key)
        assert stream is not None
        try:
            raw = b"".join(stream.chunks)
        finally:
            stream.close()
        # split on "\n" only: cv payloads hold latin1 characters splitlines() would cut at.
        for line in gzip.decompress(raw).decode().split("\n"):
            if not line:
                continue
            events.extend(json.loads(line)["data"])
    return events


def _listed_recording(base_url: str, environment: Environment, session_id: str) -> dict[str, Any]:
    """The session as the recordings list API shows it, over HTTP with a real personal API key."""
    user = User.objects.create_user(email=f"{uuid.uuid4().hex}@example.com", password="pw")
    membership_add(organization=environment.project.organization, user=user)
    key = personal_api_key_create(user=user, label="e2e", scopes=["session_recording:read"]).plaintext
    request = urllib.request.Request(
        f"{base_url}/api/projects/{environment.project_id}/session_recordings/",
        headers={"Authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise AssertionError(f"list API answered {error.code}: {error.read()!r}") from error
    matches = [result for result in body["results"] if result["id"] == session_id]
    assert len(matches) == 1, body
    return matches[0]


@pytest.mark.parametrize(
    ("package", "bundle", "version"),
    [("posthog-js", "array.js", "1.449.2"), ("posthog-js-1300", "array.full.js", "1.300.0")],
)
def test_posthog_js_recording_is_listed_and_flushed_to_s3(
    capture_environment: Environment,
    record_session: Callable[..., RecordedSession],
    capture_server: LiveServer,
    package: str,
    bundle: str,
    version: str,
) -> None:
    recorded = record_session(capture_environment, package=package, bundle=bundle)

    listed = _listed_recording(capture_server.url, capture_environment, recorded.session_id)
    assert listed["click_count"] > 0
    assert listed["keypress_count"] > 0
    assert listed["console_log_count"] > 0
    assert listed["console_warn_count"] > 0
    assert listed["console_error_count"] > 0
    assert listed["start_url"] == recorded.page_url
    assert listed["person"]["distinct_ids"] == [listed["distinct_id"]]

    recording = SessionRecording.objects.get(environment=capture_environment, session_id=recorded.session_id)
    assert recording.click_count >= 1
    assert recording.keypress_count >= 1
    assert recording.console_log_count >= 1
    assert recording.console_warn_count >= 1
    assert recording.console_error_count >= 1
    assert recording.mouse_activity_count >= 1
    assert recording.active_milliseconds > 0
    assert recording.start_url == recorded.page_url
    assert recording.snapshot_source == "web"
    assert recording.snapshot_library == "web"
    assert recording.first_event_properties.get("$current_url") == recorded.page_url
    assert SessionEvent.objects.filter(session_id=recorded.session_id, event="$pageview").exists()
    # The lazy recorder came from this service (array.js never inlines it; 1.300.0's full bundle
    # still fetched it), and remote config enabled recording.
    assert any("/array/" in url and "/config" in url for url in recorded.requests)
    assert any("/s/" in url for url in recorded.statuses)
    assert {url: status for url, status in recorded.statuses.items() if status >= 400} == {}
    assert any(
        f"/static/{version}/lazy-recorder.js" in url or f"v={version}" in url for url in recorded.requests
    )

    call_command("flush_live_buffers")

    events = _blob_events(capture_environment, recorded.session_id)
    types = {event["type"] for event in events}
    assert {4, 2, 3} <= types  # Meta, FullSnapshot, incrementals
    meta = next(event for event in events if event["type"] == 4)
    assert meta["data"]["href"] == recorded.page_url
    assert len(events) == recording.event_count

    # The same recording is a replay of the Sentry API too (``/api/0/``).
    replay_id = recorded.session_id.replace("-", "")
    assert SentryReplaysClient(capture_server.url, capture_environment).replay_ids(f"id:{replay_id}") == [
        replay_id
    ]

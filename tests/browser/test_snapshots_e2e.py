"""posthog-js in headless Chromium records a page; a client following the two-phase snapshots
protocol over HTTP reassembles its rrweb events (Meta + FullSnapshot), before the flush (from
the live buffer) and after it (from the blobs in S3)."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from recordings_api.models import Environment, User
from recordings_api.services import membership_add, personal_api_key_create
from snapshots.models import RecordingBlob
from snapshots.storage import get_blob_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # See test_ingestion_e2e: SQLite live-server threads may warn when a keep-alive closes late.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

META, FULL_SNAPSHOT = 4, 2


class SnapshotsClient:
    """What an integrator writes: list sources, then fetch each one."""

    def __init__(self, base_url: str, environment: Environment, session_id: str) -> None:
        user = User.objects.create_user(email=f"e2e-{session_id}@example.com", password=None)
        membership_add(organization=environment.project.organization, user=user)
        self.key = personal_api_key_create(
            user=user, label="e2e", scopes=["session_recording:read"]
        ).plaintext
        self.url = f"{base_url}/api/environments/{environment.id}/session_recordings/{session_id}/snapshots"

    def get(self, query: str = "", **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(
            f"{self.url}{query}", headers={"Authorization": f"Bearer {self.key}", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def sources(self) -> list[dict[str, Any]]:
        status, _, body = self.get()
        assert status == 200, body
        return list(json.loads(body)["sources"])

    def events(self) -> list[dict[str, Any]]:
        """Every rrweb event of every source, in the protocol's order."""
        events: list[dict[str, Any]] = []
        for source in self.sources():
            if source["source"] == "blob":
                status, _, body = self.get(f"?source=blob&blob_key={source['blob_key']}")
            else:
                status, _, body = self.get("?source=realtime&version=2024-04-30")
            assert status == 200, body
            events.extend(_jsonl_events(body))
        return events


def _jsonl_events(body: bytes) -> list[dict[str, Any]]:
    # Split on "\n" only: cv-compressed payloads hold latin1 characters splitlines() would cut at.
    return [event for line in body.decode().split("\n") if line for event in json.loads(line)["data"]]


def _event_ids(events: list[dict[str, Any]]) -> set[str]:
    return {json.dumps(event, sort_keys=True) for event in events}


def test_two_phase_protocol_reassembles_the_recording_before_and_after_flush(
    recorded_session: tuple[Environment, str], capture_server: LiveServer
) -> None:
    environment, session_id = recorded_session
    client = SnapshotsClient(capture_server.url, environment, session_id)

    before_sources = client.sources()
    before = client.events()
    status, _, og_body = client.get("?source=realtime")

    assert before_sources[-1]["source"] == "realtime"
    assert {META, FULL_SNAPSHOT} <= {event["type"] for event in before}
    assert status == 200
    assert len(json.loads(og_body)["snapshots"]) >= 1

    call_command("flush_live_buffers")

    after_sources = client.sources()
    after = client.events()
    assert after_sources and {source["source"] for source in after_sources} == {"blob"}
    assert {META, FULL_SNAPSHOT} <= {event["type"] for event in after}
    assert _event_ids(before) <= _event_ids(after)  # nothing lost by the flush
    assert len(after) == len(_event_ids(after))  # and nothing duplicated
    meta = next(event for event in after if event["type"] == META)
    assert meta["data"]["href"].startswith("http://127.0.0.1:")

    blob = RecordingBlob.objects.filter(environment=environment, session_id=session_id).first()
    assert blob is not None
    stored = get_blob_store().open(blob.object_key)
    assert stored is not None
    stored_bytes = b"".join(stored.chunks)
    stored.close()
    status, headers, gzipped = client.get(
        f"?source=blob&blob_key={blob.blob_key}", **{"Accept-Encoding": "gzip"}
    )
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert gzipped == stored_bytes
    assert _jsonl_events(gzip.decompress(gzipped)) == _jsonl_events(
        client.get(f"?source=blob&blob_key={blob.blob_key}")[2]
    )
    not_modified, _, _ = client.get(
        f"?source=blob&blob_key={blob.blob_key}",
        **{"If-None-Match": headers["ETag"], "Accept-Encoding": "gzip"},
    )
    assert not_modified == 304
    _, plain_headers, plain = client.get(f"?source=blob&blob_key={blob.blob_key}")
    assert plain_headers["ETag"] != headers["ETag"]  # each representation has its own tag
    tail_status, tail_headers, tail = client.get(f"?source=blob&blob_key={blob.blob_key}", Range="bytes=-100")
    assert (tail_status, tail) == (206, plain[-100:])
    assert tail_headers["Content-Range"] == f"bytes {len(plain) - 100}-{len(plain) - 1}/{len(plain)}"

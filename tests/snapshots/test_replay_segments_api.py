"""``/api/0/projects/{org}/{project}/replays/{id}/recording-segments/[{segment_id}/]`` through real
URLs, on the real SDK's replay and on a posthog-js recording, against both driver pairs."""

from __future__ import annotations

import uuid
import zlib
from typing import Any

import orjson
import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from recordings.models import ReplaySegment, SessionRecording
from recordings_api.models import Environment, Organization
from tests.conftest import streamed_chunks
from tests.factories import SessionRecordingFactory
from tests.recordings.sentry_replay_support import ingest_fixture_replay
from tests.snapshots.sentry_support import (
    FIXTURE_REPLAY_ID,
    rebased_envelopes,
    recording_events,
    split_envelope,
)
from tests.snapshots.test_snapshots_api_support import buffer, flush, rrweb_line


@pytest.fixture
def sent_bodies() -> list[bytes]:
    return rebased_envelopes()


@pytest.fixture
def replay(
    environment: Environment, snapshot_backends: tuple[str, str], sent_bodies: list[bytes]
) -> SessionRecording:
    return ingest_fixture_replay(environment, sent_bodies)


def sent_segments(bodies: list[bytes]) -> dict[int, bytes]:
    sent = {}
    for body in bodies:
        for header, payload in split_envelope(body)[1]:
            if header["type"] == "replay_recording":
                segment_header, _ = recording_events(payload)
                sent[segment_header["segment_id"]] = zlib.decompress(payload[payload.index(b"\n") + 1 :])
    return sent


def url(organization: Organization, environment: Environment, replay_id: str, rest: str = "") -> str:
    project = f"/api/0/projects/{organization.slug}/{environment.slug}"
    return f"{project}/replays/{replay_id}/recording-segments/{rest}"


def iso(moment: Any) -> str:
    return serializers.DateTimeField().to_representation(moment)


def body(response: Any) -> bytes:
    return b"".join(streamed_chunks(response))


@pytest.mark.parametrize("flushed", [False, True], ids=["buffered", "flushed"])
def test_segment_list_metadata_and_download(
    api: APIClient,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    sent_bodies: list[bytes],
    flushed: bool,
) -> None:
    if flushed:
        flush(replay)
    base = url(organization, environment, str(uuid.UUID(FIXTURE_REPLAY_ID)))
    response = api.get(base)
    assert response.status_code == 200, response.content
    rows = ReplaySegment.objects.filter(session_id=FIXTURE_REPLAY_ID).order_by("segment_id")
    assert response.json() == {
        "data": [
            {
                "replayId": FIXTURE_REPLAY_ID,
                "segmentId": row.segment_id,
                "projectId": str(environment.id),
                "dateAdded": iso(row.timestamp),
            }
            for row in rows
        ]
    }
    absolute = f"http://testserver{base}?"
    assert response["Link"] == (
        f'<{absolute}&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
        f'<{absolute}&cursor=0:100:0>; rel="next"; results="false"; cursor="0:100:0"'
    )
    sent = sent_segments(sent_bodies)
    download = api.get(base + "?download=true")
    assert download.status_code == 200 and download["Content-Type"] == "application/json"
    assert body(download) == b"[" + b",".join(sent[n] for n in (0, 1, 2)) + b"]"
    events = orjson.loads(body(api.get(base + "?download")))
    assert [event["type"] for event in events[0] if event["type"] in (2, 4)][:2] == [
        4,
        2,
    ]  # Meta, FullSnapshot
    page = api.get(base + "?download&per_page=1&cursor=0:1:0")
    assert body(page) == b"[" + sent[1] + b"]"
    assert 'rel="next"; results="true"; cursor="0:2:0"' in page["Link"]
    assert api.get(base + "?limit=2&offset=2").json()["data"][0]["segmentId"] == 2


def test_one_segment_and_its_bytes_as_sent(
    api: APIClient,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    sent_bodies: list[bytes],
) -> None:
    row = ReplaySegment.objects.get(session_id=FIXTURE_REPLAY_ID, segment_id=1)
    response = api.get(url(organization, environment, FIXTURE_REPLAY_ID, "1/"))
    assert response.json() == {
        "data": {
            "replayId": FIXTURE_REPLAY_ID,
            "segmentId": 1,
            "projectId": environment.id,
            "dateAdded": iso(row.timestamp),
        }
    }
    download = api.get(url(organization, environment, FIXTURE_REPLAY_ID, "1/?download"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert (
        download["Content-Disposition"] == f'attachment; filename="30/{environment.id}/{FIXTURE_REPLAY_ID}/1"'
    )
    assert body(download) == sent_segments(sent_bodies)[1]
    for missing in ("9/", "x/", "99999999999/"):
        response = api.get(url(organization, environment, FIXTURE_REPLAY_ID, missing))
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "Replay recording segment not found."},
        )


def test_a_posthog_js_recordings_segments_are_its_blobs_in_time_order(
    api: APIClient, organization: Organization, environment: Environment, snapshot_backends: tuple[str, str]
) -> None:
    session_id = str(uuid.uuid4())
    recording = SessionRecordingFactory.create(environment=environment, session_id=session_id, event_count=0)
    buffer(recording, rrweb_line(0), rrweb_line(500, window="win-2"))
    first = flush(recording)
    buffer(recording, rrweb_line(1000))
    replay_id = uuid.UUID(session_id).hex
    listing = api.get(url(organization, environment, replay_id)).json()["data"]
    assert [(row["replayId"], row["segmentId"]) for row in listing] == [(replay_id, 0), (replay_id, 1)]
    assert listing[0]["dateAdded"] == iso(first.end_timestamp)

    def events(*offsets: int, window: str = "win-1") -> list[Any]:
        return [e for offset in offsets for e in orjson.loads(rrweb_line(offset).line)["data"]]

    download = orjson.loads(body(api.get(url(organization, environment, replay_id, "?download"))))
    assert download == [events(0, 500), events(1000)]
    one = orjson.loads(body(api.get(url(organization, environment, replay_id, "0/?download"))))
    assert one == events(0, 500)


def test_an_archived_replay_has_no_segments(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    assert (
        api.delete(
            f"/api/0/projects/{organization.slug}/{environment.slug}/replays/{FIXTURE_REPLAY_ID}/"
        ).status_code
        == 204
    )
    base = url(organization, environment, FIXTURE_REPLAY_ID)
    assert api.get(base).json() == {"data": []}
    assert body(api.get(base + "?download")) == b"[]"
    response = api.get(base + "0/")
    assert (response.status_code, response.json()) == (404, {"detail": "Replay recording segment not found."})
    unknown = api.get(url(organization, environment, "0" * 32))
    assert (unknown.status_code, unknown.content) == (404, b"")


def test_invalid_pagination_is_a_400(
    api: APIClient, replay: SessionRecording, organization: Organization, environment: Environment
) -> None:
    base = url(organization, environment, FIXTURE_REPLAY_ID)
    for query, detail in [
        ("?per_page=x", "Invalid per_page parameter."),
        ("?per_page=101", "Invalid per_page value. Cannot exceed 100."),
        ("?cursor=nope", "Invalid cursor parameter."),
    ]:
        response = api.get(base + query)
        assert (response.status_code, response.json()) == (400, {"detail": detail}), query


def test_storage_down_before_the_body_is_a_503(
    api: APIClient,
    replay: SessionRecording,
    organization: Organization,
    environment: Environment,
    snapshot_backends: tuple[str, str],
    settings: Any,
) -> None:
    if snapshot_backends[1] != "s3":
        pytest.skip("an outage of the S3 endpoint")
    flush(replay)
    settings.OBJECT_STORAGE_ENDPOINT = "http://127.0.0.1:1"
    settings.OBJECT_STORAGE_MAX_ATTEMPTS = 1
    response = api.get(url(organization, environment, FIXTURE_REPLAY_ID, "?download"))
    assert response.status_code == 503 and "Retry-After" in response
    assert response.json()["detail"].startswith("Object storage is unavailable")

"""The long-term copy of a persisted recording (``blob_v2_lts``): written by the persist hook,
listed and served in PostHog's v2 shapes, never stale, deleted with the recording."""

from __future__ import annotations

import gzip
import json
from typing import Any

import cramjam
import pytest
from rest_framework.test import APIClient

from recordings.hooks import recording_data_hooks
from recordings.models import SessionRecording
from recordings_api.models import Environment
from snapshots.models import RecordingBlob, RecordingLongTermCopy
from snapshots.storage import get_blob_store, long_term_object_key
from tests.snapshots.test_snapshots_api_support import (
    body,
    buffer,
    closed_port_fixture,  # noqa: F401
    flush,
    recording_fixture,  # noqa: F401
    rrweb_line,
    storage_outage,
    stored_bytes,
    url,
)

pytestmark = pytest.mark.usefixtures("snapshot_backends")


def v2_jsonl(blobs: list[RecordingBlob]) -> bytes:
    """The v2 JSONL of the blobs, built independently of the code under test."""
    lines = []
    for blob in blobs:
        for raw in gzip.decompress(stored_bytes(blob)).decode().splitlines():
            message = json.loads(raw)
            lines += [
                json.dumps([message["window_id"], event], separators=(",", ":")) for event in message["data"]
            ]
    return "".join(f"{line}\n" for line in lines).encode()


def persist(api: APIClient, environment: Environment, capture: Any) -> None:
    with capture(execute=True):
        response = api.post(f"/api/projects/{environment.id}/session_recordings/sess-1/persist/")
    assert response.json() == {"success": True}


@pytest.fixture
def two_blobs(recording: SessionRecording) -> list[RecordingBlob]:
    buffer(recording, rrweb_line(0), rrweb_line(100, window="win-2"))
    first = flush(recording)
    buffer(recording, rrweb_line(1000))
    return [first, flush(recording)]


def test_the_snapshots_app_registers_a_persist_hook() -> None:
    hooks = {hook.name: hook for hook in recording_data_hooks()}

    assert hooks["snapshots"].persist is not None


def test_persisting_writes_the_copy_and_lists_it_as_blob_v2_lts(
    api: APIClient,
    environment: Environment,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
) -> None:
    persist(api, environment, django_capture_on_commit_callbacks)

    copy = RecordingLongTermCopy.objects.get(environment=environment, session_id="sess-1")
    key = long_term_object_key(environment_id=environment.id, session_id="sess-1")
    stored = get_blob_store().open(key)
    assert stored is not None
    data = b"".join(stored.chunks)
    stored.close()
    assert copy.object_key == key
    assert copy.blob_keys == [blob.blob_key for blob in two_blobs]
    assert copy.size_bytes == len(data)
    assert bytes(cramjam.snappy.decompress_raw(data)) == v2_jsonl(two_blobs)
    assert copy.uncompressed_size_bytes == len(v2_jsonl(two_blobs))

    listing = api.get(url(environment, "sess-1", blob_v2="true", blob_v2_lts="true"))

    assert listing.json()["sources"] == [
        {"source": "blob_v2_lts", "start_timestamp": None, "end_timestamp": None, "blob_key": key}
    ]


def test_the_copy_is_served_decoded_and_as_stored(
    api: APIClient,
    environment: Environment,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
) -> None:
    persist(api, environment, django_capture_on_commit_callbacks)
    key = long_term_object_key(environment_id=environment.id, session_id="sess-1")

    decoded = api.get(url(environment, "sess-1", source="blob_v2_lts", blob_key=key))
    raw = api.get(url(environment, "sess-1", source="blob_v2_lts", blob_key="/" + key, decompress="false"))
    era_b = api.get(url(environment, "sess-1", source="blob_v2", blob_key=key))

    assert decoded.status_code == raw.status_code == era_b.status_code == 200
    assert decoded["Content-Type"] == era_b["Content-Type"] == "application/jsonl"
    assert raw["Content-Type"] == "application/octet-stream"
    assert decoded["Cache-Control"] == raw["Cache-Control"] == "private, max-age=86400"
    assert body(decoded) == v2_jsonl(two_blobs) == body(era_b)
    assert bytes(cramjam.snappy.decompress_raw(body(raw))) == v2_jsonl(two_blobs)


def test_a_wrong_key_or_a_recording_without_a_copy_is_404(
    api: APIClient,
    environment: Environment,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
) -> None:
    key = long_term_object_key(environment_id=environment.id, session_id="sess-1")
    assert api.get(url(environment, "sess-1", source="blob_v2_lts", blob_key=key)).status_code == 404

    persist(api, environment, django_capture_on_commit_callbacks)
    response = api.get(url(environment, "sess-1", source="blob_v2_lts", blob_key=key + "x"))

    assert response.status_code == 404
    assert response.json()["detail"] == "Snapshot file not found"


def test_without_a_copy_the_lts_listing_falls_back_to_the_blocks(
    api: APIClient, environment: Environment, two_blobs: list[RecordingBlob]
) -> None:
    sources = api.get(url(environment, "sess-1", blob_v2_lts="true")).json()["sources"]

    assert [(source["source"], source["blob_key"]) for source in sources] == [
        ("blob_v2", "0"),
        ("blob_v2", "1"),
    ]


def test_persisting_flushes_the_live_buffer_first(
    api: APIClient,
    environment: Environment,
    recording: SessionRecording,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
) -> None:
    buffer(recording, rrweb_line(5000))

    persist(api, environment, django_capture_on_commit_callbacks)

    blobs = list(RecordingBlob.objects.filter(session_id="sess-1").order_by("start_timestamp"))
    assert len(blobs) == 3
    copy = RecordingLongTermCopy.objects.get(session_id="sess-1")
    assert copy.blob_keys == [blob.blob_key for blob in blobs]


def test_a_stale_copy_is_not_listed_and_persisting_again_refreshes_it(
    api: APIClient,
    environment: Environment,
    recording: SessionRecording,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
) -> None:
    persist(api, environment, django_capture_on_commit_callbacks)
    buffer(recording, rrweb_line(9000))
    lts_listing = url(environment, "sess-1", blob_v2="true", blob_v2_lts="true")

    buffered = api.get(lts_listing).json()["sources"]
    third = flush(recording)
    flushed = api.get(lts_listing).json()["sources"]
    persist(api, environment, django_capture_on_commit_callbacks)
    refreshed = api.get(lts_listing).json()["sources"]

    assert [source["blob_key"] for source in buffered] == ["0", "1", "2"]
    assert [source["blob_key"] for source in flushed] == ["0", "1", "2"]
    assert [source["source"] for source in refreshed] == ["blob_v2_lts"]
    key = refreshed[0]["blob_key"]
    served = body(api.get(url(environment, "sess-1", source="blob_v2_lts", blob_key=key)))
    assert served == v2_jsonl([*two_blobs, third])


def test_deleting_the_recording_deletes_its_copy(
    api: APIClient,
    environment: Environment,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
) -> None:
    persist(api, environment, django_capture_on_commit_callbacks)
    key = long_term_object_key(environment_id=environment.id, session_id="sess-1")

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/projects/{environment.id}/session_recordings/sess-1/").status_code == 204

    assert not RecordingLongTermCopy.objects.filter(session_id="sess-1").exists()
    assert get_blob_store().head(key) is None


def test_a_missing_blob_leaves_no_copy_and_the_blocks_still_serve(
    api: APIClient,
    environment: Environment,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:

    get_blob_store().delete_prefix(two_blobs[1].object_key)

    persist(api, environment, django_capture_on_commit_callbacks)

    assert not RecordingLongTermCopy.objects.exists()
    assert "recording_long_term_copy_failed" in caplog.text
    assert (
        api.get(
            url(environment, "sess-1", source="blob_v2", start_blob_key="0", end_blob_key="0")
        ).status_code
        == 200
    )


@pytest.mark.parametrize("snapshot_backends", [("redis", "s3")], indirect=True, ids=["redis-s3"])
def test_storage_outage_while_serving_the_copy_is_503(
    api: APIClient,
    environment: Environment,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
    closed_port: int,
) -> None:
    persist(api, environment, django_capture_on_commit_callbacks)
    key = long_term_object_key(environment_id=environment.id, session_id="sess-1")

    with storage_outage(closed_port):
        response = api.get(url(environment, "sess-1", source="blob_v2_lts", blob_key=key))

    assert response.status_code == 503
    assert response["Retry-After"]


@pytest.mark.parametrize("snapshot_backends", [("redis", "s3")], indirect=True, ids=["redis-s3"])
def test_storage_outage_while_persisting_never_fails_the_request(
    api: APIClient,
    environment: Environment,
    two_blobs: list[RecordingBlob],
    django_capture_on_commit_callbacks: Any,
    closed_port: int,
) -> None:
    with storage_outage(closed_port):
        persist(api, environment, django_capture_on_commit_callbacks)

    assert SessionRecording.objects.get(session_id="sess-1").persisted
    assert not RecordingLongTermCopy.objects.exists()

"""The snapshots endpoint's listing, realtime source, validation, access and throttling, through
real URLs and real keys over both backend pairs (database buffer + local storage, Redis + S3 on
moto server). Blob HTTP semantics: ``test_snapshots_api_blob``; outages: ``…_faults``."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import orjson
import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Environment, User
from sharing.services import sharing_configuration_update
from snapshots.models import RecordingBlob
from snapshots.storage import get_blob_store
from tests.factories import SessionRecordingFactory
from tests.snapshots.test_snapshots_api_support import (
    BASE_MS,
    PREFIXES,
    blob_fixture,  # noqa: F401
    blob_url,
    body,
    buffer,
    closed_port_fixture,  # noqa: F401
    embedded_only,
    flush,
    recording_fixture,  # noqa: F401
    rrweb_line,
    storage_outage,
    stored_bytes,
    two_blobs_and_realtime_fixture,  # noqa: F401
    url,
)

pytestmark = pytest.mark.usefixtures("snapshot_backends")


# --- phase 1: sources -------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sources_list_blobs_then_realtime(
    api: APIClient,
    environment: Environment,
    recording: SessionRecording,
    two_blobs_and_realtime: list[RecordingBlob],
    prefix: str,
) -> None:
    first, second = two_blobs_and_realtime

    response = api.get(url(environment, "sess-1", prefix))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "sources": [
            {
                "source": "blob",
                "start_timestamp": "2023-11-14T22:13:20.000Z",
                "end_timestamp": "2023-11-14T22:13:20.501Z",  # its last event, not its last line's first
                "blob_key": f"{BASE_MS}-{BASE_MS + 501}",
            },
            {
                "source": "blob",
                "start_timestamp": "2023-11-14T22:13:21.000Z",
                "end_timestamp": "2023-11-14T22:13:22.001Z",
                "blob_key": f"{BASE_MS + 1000}-{BASE_MS + 2001}",
            },
            {
                "source": "realtime",
                "start_timestamp": "2023-11-14T22:13:23.000Z",
                "end_timestamp": None,
                "blob_key": None,
            },
        ],
        "blob_count": 2,
        "total_size_bytes": first.uncompressed_size_bytes
        + second.uncompressed_size_bytes
        + len(rrweb_line(3000).line)
        + len(rrweb_line(3500).line),
        "total_compressed_size_bytes": first.size_bytes + second.size_bytes,
        "total_event_count": 8,
        "realtime_line_count": 2,
    }


def test_sources_of_a_recording_without_data(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    response = api.get(url(environment, "sess-1"))

    assert response.json() == {
        "sources": [],
        "blob_count": 0,
        "total_size_bytes": 0,
        "total_compressed_size_bytes": 0,
        "total_event_count": 0,
        "realtime_line_count": 0,
    }


def test_sources_event_count_includes_buffered_events_counted_by_ingestion(
    api: APIClient, environment: Environment, recording: SessionRecording, blob: RecordingBlob
) -> None:
    SessionRecording.objects.filter(pk=recording.pk).update(event_count=blob.event_count + 10)

    assert api.get(url(environment, "sess-1")).json()["total_event_count"] == blob.event_count + 10


def test_sources_never_list_the_bucket(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    get_blob_store().put(f"session_recordings/team_id/{environment.id}/session_id/sess-1/data/1-2", b"orphan")

    assert api.get(url(environment, "sess-1")).json()["sources"] == []


@embedded_only
@pytest.mark.parametrize("params", [{}, {"source": "realtime"}, {"source": "blob", "blob_key": "1-2"}])
def test_unknown_recording_is_404(api: APIClient, environment: Environment, params: dict[str, str]) -> None:
    response = api.get(url(environment, "nope", **params))

    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Recording not found",
        "attr": None,
    }


def test_deleted_recording_is_410_as_current_posthog_answers(
    api: APIClient, owner: User, environment: Environment, recording: SessionRecording, blob: RecordingBlob
) -> None:
    tombstone = DeletedRecording.objects.create(
        environment=environment, session_id="sess-1", deleted_by=owner
    )
    SessionRecording.objects.filter(pk=recording.pk).delete()
    deleted_at = tombstone.deleted_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    for params in [
        {},
        {"blob_v2": "true"},
        {"source": "blob", "blob_key": blob.blob_key},
        {"source": "realtime"},
        {"source": "blob_v2", "start_blob_key": "0", "end_blob_key": "0"},
    ]:
        response = api.get(url(environment, "sess-1", **params))

        assert response.status_code == 410
        assert response["Cache-Control"] == "no-store"
        assert response.json() == {
            "type": "invalid_request",
            "code": "recording_deleted",
            "detail": "This recording has been permanently deleted",
            "attr": None,
            "error": "recording_deleted",
            "message": "This recording has been permanently deleted",
            "deleted_at": deleted_at,
            "deleted_by": "alice@example.com",
        }


def test_another_environments_deletion_is_404_not_410(
    api: APIClient, environment: Environment, other_environment: Environment
) -> None:
    DeletedRecording.objects.create(environment=other_environment, session_id="theirs")

    assert api.get(url(environment, "theirs")).status_code == 404


def test_another_environments_recording_is_404_and_does_not_leak(
    api: APIClient, environment: Environment, other_environment: Environment
) -> None:
    other = SessionRecordingFactory.create(environment=other_environment, session_id="theirs")
    buffer(other, rrweb_line(0))
    other_blob = flush(other)

    for prefix in PREFIXES:
        assert api.get(url(environment, "theirs", prefix)).status_code == 404
        assert api.get(blob_url(environment, other_blob, prefix)).status_code == 404
        assert api.get(url(environment, "theirs", prefix, source="realtime")).status_code == 404


@embedded_only
@pytest.mark.parametrize("session_id", ["a%00b", "x" * 300, "%E2%80%AE%F0%9F%92%A9", "%20"])
def test_hostile_recording_ids_are_404(
    api: APIClient, environment: Environment, recording: SessionRecording, session_id: str
) -> None:
    for params in [{}, {"source": "realtime"}, {"source": "blob", "blob_key": "1-2"}]:
        response = api.get(url(environment, session_id, **params))

        assert response.status_code == 404
        assert set(response.json()) == {"type", "code", "detail", "attr"}


@embedded_only
def test_without_credentials_is_401(environment: Environment, recording: SessionRecording) -> None:
    response = APIClient().get(url(environment, "sess-1"))

    assert response.status_code == 401
    assert response.json()["type"] == "authentication_error"


@embedded_only
def test_bad_key_is_401(environment: Environment, recording: SessionRecording) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_real_key_at_all_000000000000000")

    assert client.get(url(environment, "sess-1")).status_code == 401


@embedded_only
def test_missing_scope_is_403(
    key_client: Callable[..., APIClient], environment: Environment, recording: SessionRecording
) -> None:
    response = key_client(["session_recording_playlist:read"]).get(url(environment, "sess-1"))

    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'session_recording:read'"


@embedded_only
def test_read_scope_is_enough(
    key_client: Callable[..., APIClient], environment: Environment, recording: SessionRecording
) -> None:
    assert key_client(["session_recording:read"]).get(url(environment, "sess-1")).status_code == 200


@embedded_only
def test_outsider_is_404(
    key_client: Callable[..., APIClient],
    outsider: User,
    environment: Environment,
    recording: SessionRecording,
) -> None:
    assert key_client(["*"], user=outsider).get(url(environment, "sess-1")).status_code == 404


# --- phase 2: realtime ------------------------------------------------------------------------


def test_realtime_og_version_is_snapshots_object(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    buffer(recording, rrweb_line(20), rrweb_line(10, window="win-2"))

    response = api.get(url(environment, "sess-1", source="realtime"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "snapshots": [orjson.loads(rrweb_line(10, window="win-2").line), orjson.loads(rrweb_line(20).line)]
    }


@pytest.mark.parametrize("prefix", PREFIXES)
def test_realtime_2024_04_30_is_jsonl(
    api: APIClient, environment: Environment, recording: SessionRecording, prefix: str
) -> None:
    buffer(recording, rrweb_line(20), rrweb_line(10))

    response = api.get(url(environment, "sess-1", prefix, source="realtime", version="2024-04-30"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.content == f"{rrweb_line(10).line}\n{rrweb_line(20).line}".encode()


def test_realtime_of_an_empty_buffer(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    assert api.get(url(environment, "sess-1", source="realtime")).json() == {"snapshots": []}
    assert api.get(url(environment, "sess-1", source="realtime", version="2024-04-30")).content == b""


def test_realtime_then_flush_moves_lines_to_a_blob(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    buffer(recording, rrweb_line(0))
    assert [s["source"] for s in api.get(url(environment, "sess-1")).json()["sources"]] == ["realtime"]

    blob = flush(recording)

    assert [s["source"] for s in api.get(url(environment, "sess-1")).json()["sources"]] == ["blob"]
    assert api.get(url(environment, "sess-1", source="realtime")).json() == {"snapshots": []}
    assert body(api.get(blob_url(environment, blob))) == f"{rrweb_line(0).line}\n".encode()


@embedded_only
def test_realtime_ignores_a_blob_key(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    buffer(recording, rrweb_line(0))

    response = api.get(url(environment, "sess-1", source="realtime", blob_key="../../x"))

    assert response.json() == {"snapshots": [orjson.loads(rrweb_line(0).line)]}


# --- validation -------------------------------------------------------------------------------

ALL_SOURCES = "['blob', 'realtime', 'blob_v2', 'blob_v2_lts']"


@embedded_only
@pytest.mark.parametrize(
    ("params", "attr", "detail"),
    [
        ({"source": "blob_v3"}, "source", f"Invalid source must be one of {ALL_SOURCES}"),
        ({"source": ""}, "source", f"Invalid source must be one of {ALL_SOURCES}"),
        ({"source": "BLOB"}, "source", f"Invalid source must be one of {ALL_SOURCES}"),
        (
            {"source": "blob_v2", "start_blob_key": "x", "end_blob_key": "1"},
            "start_blob_key",
            "Blob keys must be integers",
        ),
        ({"source": "blob"}, "blob_key", "Must provide a blob key"),
        ({"source": "blob", "blob_key": ""}, "blob_key", "Must provide a blob key"),
        ({"source": "blob", "blob_key": "..%2F..%2Fsecrets"}, "blob_key", "Invalid blob key: ../../secrets"),
        ({"source": "blob", "blob_key": "1-2-3"}, "blob_key", "Invalid blob key: 1-2-3"),
        ({"source": "blob", "blob_key": "12"}, "blob_key", "Invalid blob key: 12"),
        ({"source": "blob", "blob_key": "1-2.gz"}, "blob_key", "Invalid blob key: 1-2.gz"),
        ({"source": "blob", "blob_key": "%D9%A1-2"}, "blob_key", "Invalid blob key: \u0661-2"),
        ({"source": "blob", "blob_key": "1" * 70 + "-2"}, "blob_key", "Invalid blob key: " + "1" * 70 + "-2"),
        ({"source": "blob", "blob_key": " 1-2"}, "blob_key", "Invalid blob key:  1-2"),
        ({"source": "realtime", "version": "2099-01-01"}, "version", "Invalid version: 2099-01-01"),
    ],
)
def test_invalid_parameters_are_400_before_any_storage_call(
    api: APIClient,
    environment: Environment,
    recording: SessionRecording,
    closed_port: int,
    params: dict[str, str],
    attr: str,
    detail: str,
) -> None:
    with storage_outage(closed_port):  # a storage call would turn into a 503
        response = api.get(url(environment, "sess-1", **params))

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": response.json()["code"],
        "detail": detail,
        "attr": attr,
    }


def test_blob_key_of_another_recording_is_404(
    api: APIClient, environment: Environment, recording: SessionRecording, blob: RecordingBlob
) -> None:
    other = SessionRecordingFactory.create(environment=environment, session_id="sess-2")
    buffer(other, rrweb_line(77))
    other_blob = flush(other)

    response = api.get(url(environment, "sess-1", source="blob", blob_key=other_blob.blob_key))

    assert response.status_code == 404
    assert response.json()["detail"] == "Snapshot file not found"


# --- throttling and sharing -------------------------------------------------------------------


@embedded_only
def test_snapshots_have_their_own_lower_budget(
    key_client: Callable[..., APIClient], environment: Environment, recording: SessionRecording
) -> None:
    cache.clear()
    client = key_client(["session_recording:read"])
    rates = {
        "burst": "100/minute",
        "sustained": "1000/hour",
        "snapshots_burst": "2/minute",
        "snapshots_sustained": "100/hour",
        "sharing_token": "100/minute",
    }
    with override_settings(API_THROTTLE_RATES=rates):
        responses = [client.get(url(environment, "sess-1")) for _ in range(3)]
        recordings_list = client.get(f"/api/projects/{environment.id}/session_recordings/")

    assert [response.status_code for response in responses] == [200, 200, 429]
    assert recordings_list.status_code == 200
    throttled = responses[-1]
    assert throttled.json()["type"] == "throttled_error"
    assert int(throttled["Retry-After"]) > 0


def test_sharing_token_reaches_its_recording_only(
    environment: Environment, recording: SessionRecording, blob: RecordingBlob
) -> None:
    other = SessionRecordingFactory.create(environment=environment, session_id="sess-2")
    token = sharing_configuration_update(recording=recording, user=None, enabled=True).access_token
    client = APIClient()

    buffer(other, rrweb_line(9000))
    other_blob = flush(other)
    buffer(recording, rrweb_line(5000))

    sources = client.get(url(environment, "sess-1", "environments", sharing_access_token=token))
    data = client.get(blob_url(environment, blob) + f"&sharing_access_token={token}")
    realtime = client.get(url(environment, "sess-1", source="realtime", sharing_access_token=token))
    denied = [
        client.get(url(environment, other.session_id, sharing_access_token=token)),
        client.get(blob_url(environment, other_blob) + f"&sharing_access_token={token}"),
        client.get(url(environment, other.session_id, source="realtime", sharing_access_token=token)),
    ]

    assert sources.status_code == 200
    assert [s["blob_key"] for s in sources.json()["sources"]] == [blob.blob_key, None]
    assert body(data) == gzip.decompress(stored_bytes(blob))
    assert realtime.json() == {"snapshots": [orjson.loads(rrweb_line(5000).line)]}
    assert [response.status_code for response in denied] == [403, 403, 403]

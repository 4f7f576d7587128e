"""The snapshots endpoint through real URLs and real keys, over both backend pairs
(database buffer + local storage, Redis + S3 on moto server)."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Environment, User
from sharing.services import sharing_configuration_update
from snapshots.flush import recording_blob_object_key, session_buffer_flush
from snapshots.live_buffer import BufferedLine, get_live_buffer
from snapshots.models import RecordingBlob
from snapshots.storage import get_blob_store
from tests.factories import SessionRecordingFactory

pytestmark = pytest.mark.usefixtures("snapshot_backends")

BASE_MS = 1_700_000_000_000
PREFIXES = ["projects", "environments"]


def rrweb_line(offset_ms: int, window: str = "win-1", text: str = "") -> BufferedLine:
    events = [
        {
            "type": 4,
            "data": {"href": "https://example.com/", "width": 1280, "height": 720},
            "timestamp": BASE_MS + offset_ms,
        },
        {
            "type": 3,
            "data": {"source": 1, "positions": [{"x": 1, "y": 2}], "t": text},
            "timestamp": BASE_MS + offset_ms + 1,
        },
    ]
    return BufferedLine(
        score=BASE_MS + offset_ms, line=orjson.dumps({"window_id": window, "data": events}).decode()
    )


def url(environment: Environment, session_id: str, prefix: str = "projects", **params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"/api/{prefix}/{environment.id}/session_recordings/{session_id}/snapshots" + (
        f"?{query}" if query else ""
    )


def buffer(recording: SessionRecording, *lines: BufferedLine) -> None:
    get_live_buffer().append(
        environment_id=recording.environment_id, session_id=recording.session_id, lines=list(lines)
    )


def flush(recording: SessionRecording) -> RecordingBlob:
    outcome = session_buffer_flush(environment_id=recording.environment_id, session_id=recording.session_id)
    assert outcome.status == "flushed"
    return RecordingBlob.objects.get(session_id=recording.session_id, blob_key=outcome.blob_key)


def stored_bytes(blob: RecordingBlob) -> bytes:
    stream = get_blob_store().open(recording_blob_object_key(blob))
    assert stream is not None
    data = b"".join(stream.chunks)
    stream.close()
    return data


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def recording(environment: Environment) -> SessionRecording:
    return SessionRecordingFactory(environment=environment, session_id="sess-1", event_count=0)


@pytest.fixture
def two_blobs_and_realtime(recording: SessionRecording) -> list[RecordingBlob]:
    buffer(recording, rrweb_line(0), rrweb_line(500, window="win-2"))
    first = flush(recording)
    buffer(recording, rrweb_line(1000), rrweb_line(2000))
    second = flush(recording)
    buffer(recording, rrweb_line(3000), rrweb_line(3500))
    return [first, second]


@pytest.fixture
def blob(recording: SessionRecording) -> RecordingBlob:
    buffer(recording, *[rrweb_line(n * 10, text="x" * 50) for n in range(40)])
    return flush(recording)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def storage_outage(port: int) -> Any:
    return override_settings(
        OBJECT_STORAGE_ENDPOINT=f"http://127.0.0.1:{port}",
        OBJECT_STORAGE_BUCKET="down",
        OBJECT_STORAGE_ACCESS_KEY_ID="testing",
        OBJECT_STORAGE_SECRET_ACCESS_KEY="testing",
        OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS=0.2,
        OBJECT_STORAGE_READ_TIMEOUT_SECONDS=0.2,
        OBJECT_STORAGE_MAX_ATTEMPTS=1,
    )


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
                "end_timestamp": "2023-11-14T22:13:20.500Z",
                "blob_key": f"{BASE_MS}-{BASE_MS + 500}",
            },
            {
                "source": "blob",
                "start_timestamp": "2023-11-14T22:13:21.000Z",
                "end_timestamp": "2023-11-14T22:13:22.000Z",
                "blob_key": f"{BASE_MS + 1000}-{BASE_MS + 2000}",
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


def test_deleted_recording_is_404(
    api: APIClient, environment: Environment, recording: SessionRecording, blob: RecordingBlob
) -> None:
    DeletedRecording.objects.create(environment=environment, session_id="sess-1")

    assert api.get(url(environment, "sess-1")).status_code == 404
    assert api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key)).status_code == 404


def test_another_environments_recording_is_404_and_does_not_leak(
    api: APIClient, environment: Environment, other_environment: Environment
) -> None:
    other = SessionRecordingFactory(environment=other_environment, session_id="theirs")
    buffer(other, rrweb_line(0))
    other_blob = flush(other)

    assert api.get(url(environment, "theirs")).status_code == 404
    assert api.get(url(environment, "theirs", source="blob", blob_key=other_blob.blob_key)).status_code == 404
    assert api.get(url(environment, "theirs", source="realtime")).status_code == 404


def test_without_credentials_is_401(environment: Environment, recording: SessionRecording) -> None:
    response = APIClient().get(url(environment, "sess-1"))

    assert response.status_code == 401
    assert response.json()["type"] == "authentication_error"


def test_bad_key_is_401(environment: Environment, recording: SessionRecording) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_real_key_at_all_000000000000000")

    assert client.get(url(environment, "sess-1")).status_code == 401


def test_missing_scope_is_403(
    key_client: Callable[..., APIClient], environment: Environment, recording: SessionRecording
) -> None:
    response = key_client(["session_recording_playlist:read"]).get(url(environment, "sess-1"))

    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'session_recording:read'"


def test_read_scope_is_enough(
    key_client: Callable[..., APIClient], environment: Environment, recording: SessionRecording
) -> None:
    assert key_client(["session_recording:read"]).get(url(environment, "sess-1")).status_code == 200


def test_outsider_is_403(
    key_client: Callable[..., APIClient],
    outsider: User,
    environment: Environment,
    recording: SessionRecording,
) -> None:
    assert key_client(["*"], user=outsider).get(url(environment, "sess-1")).status_code == 403


# --- phase 2: blob ----------------------------------------------------------------------------


def test_blob_streams_decompressed_jsonl(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    response = api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key))

    expected = gzip.decompress(stored_bytes(blob))
    assert response.status_code == 200
    assert response.streaming
    assert body(response) == expected
    assert expected == "".join(f"{rrweb_line(n * 10, text='x' * 50).line}\n" for n in range(40)).encode()
    assert response["Content-Type"] == "application/json"
    assert response["Content-Length"] == str(len(expected)) == str(blob.uncompressed_size_bytes)
    assert response["ETag"] == f'"{blob.etag}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["Accept-Ranges"] == "bytes"
    assert not response.has_header("Content-Encoding")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_gzip_clients_get_the_stored_bytes_untouched(
    api: APIClient, environment: Environment, blob: RecordingBlob, prefix: str
) -> None:
    response = api.get(
        url(environment, "sess-1", prefix, source="blob", blob_key=blob.blob_key),
        HTTP_ACCEPT_ENCODING="br, gzip;q=0.8",
    )

    assert response.status_code == 200
    assert body(response) == stored_bytes(blob)
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Length"] == str(blob.size_bytes)
    assert response["ETag"] == f'"{blob.etag}-gz"'
    assert "Accept-Encoding" in response["Vary"]


def test_gzip_with_zero_quality_is_not_accepted(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    response = api.get(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key), HTTP_ACCEPT_ENCODING="gzip;q=0"
    )

    assert not response.has_header("Content-Encoding")
    assert body(response) == gzip.decompress(stored_bytes(blob))


@pytest.mark.parametrize("if_none_match", ['"{etag}"', 'W/"{etag}"', '"other", "{etag}-gz"', "*"])
def test_if_none_match_is_304_without_a_body(
    api: APIClient, environment: Environment, blob: RecordingBlob, if_none_match: str
) -> None:
    response = api.get(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key),
        HTTP_IF_NONE_MATCH=if_none_match.format(etag=blob.etag),
    )

    assert response.status_code == 304
    assert body(response) == b""
    assert response["ETag"] == f'"{blob.etag}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"


def test_stale_if_none_match_gets_the_body(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    response = api.get(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key), HTTP_IF_NONE_MATCH='"stale"'
    )

    assert response.status_code == 200
    assert body(response) == gzip.decompress(stored_bytes(blob))


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-99999999", 10, None),
    ],
)
def test_range_of_decompressed_jsonl_is_206(
    api: APIClient, environment: Environment, blob: RecordingBlob, header: str, start: int, end: int | None
) -> None:
    full = gzip.decompress(stored_bytes(blob))
    expected = full[start:] if end is None else full[start : end + 1]
    first = len(full) + start if start < 0 else start

    response = api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key), HTTP_RANGE=header)

    assert response.status_code == 206
    assert body(response) == expected
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(full)}"
    assert response["Content-Length"] == str(len(expected))


def test_range_of_gzip_passthrough_is_on_the_stored_bytes(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    stored = stored_bytes(blob)

    response = api.get(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key),
        HTTP_RANGE="bytes=5-24",
        HTTP_ACCEPT_ENCODING="gzip",
    )

    assert response.status_code == 206
    assert body(response) == stored[5:25]
    assert response["Content-Range"] == f"bytes 5-24/{len(stored)}"
    assert response["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_range_past_the_end_is_416(
    api: APIClient, environment: Environment, blob: RecordingBlob, encoding: str
) -> None:
    size = blob.size_bytes if encoding else blob.uncompressed_size_bytes

    response = api.get(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key),
        HTTP_RANGE=f"bytes={size}-",
        HTTP_ACCEPT_ENCODING=encoding,
    )

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    assert response.json()["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-3", "bytes=abc"])
def test_unsupported_or_malformed_ranges_are_ignored(
    api: APIClient, environment: Environment, blob: RecordingBlob, header: str
) -> None:
    response = api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == gzip.decompress(stored_bytes(blob))


def test_if_range_with_another_etag_serves_the_whole_blob(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    response = api.get(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key),
        HTTP_RANGE="bytes=0-9",
        HTTP_IF_RANGE='"other"',
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("encoding", "range_header", "status"), [("", "", 200), ("gzip", "", 200), ("", "bytes=0-9", 206)]
)
def test_head_has_the_headers_and_no_body(
    api: APIClient,
    environment: Environment,
    blob: RecordingBlob,
    encoding: str,
    range_header: str,
    status: int,
) -> None:
    response = api.head(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key),
        HTTP_ACCEPT_ENCODING=encoding,
        HTTP_RANGE=range_header,
    )

    assert response.status_code == status
    assert body(response) == b""
    expected_length = 10 if range_header else (blob.size_bytes if encoding else blob.uncompressed_size_bytes)
    assert response["Content-Length"] == str(expected_length)
    assert response["ETag"].startswith(f'"{blob.etag}')


def test_large_blob_streams_in_many_chunks(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    lines = [rrweb_line(n, text=f"{n:08d}" * 400) for n in range(800)]  # ~2.6 MB of JSONL
    buffer(recording, *lines)
    blob = flush(recording)

    response = api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key))

    chunks = list(response.streaming_content)
    assert len(chunks) > 5
    assert max(len(chunk) for chunk in chunks) <= 256 * 1024
    assert b"".join(chunks) == "".join(f"{line.line}\n" for line in lines).encode()


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
    assert (
        body(api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key)))
        == f"{rrweb_line(0).line}\n".encode()
    )


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "attr", "detail"),
    [
        ({"source": "blob_v2"}, "source", "Invalid source must be one of ['blob', 'realtime']"),
        ({"source": ""}, "source", "Invalid source must be one of ['blob', 'realtime']"),
        ({"source": "BLOB"}, "source", "Invalid source must be one of ['blob', 'realtime']"),
        ({"source": "blob"}, "blob_key", "Must provide a blob key"),
        ({"source": "blob", "blob_key": ""}, "blob_key", "Must provide a blob key"),
        ({"source": "blob", "blob_key": "..%2F..%2Fsecrets"}, "blob_key", "Invalid blob key: ../../secrets"),
        ({"source": "blob", "blob_key": "1-2-3"}, "blob_key", "Invalid blob key: 1-2-3"),
        ({"source": "blob", "blob_key": "12"}, "blob_key", "Invalid blob key: 12"),
        ({"source": "blob", "blob_key": "1-2.gz"}, "blob_key", "Invalid blob key: 1-2.gz"),
        ({"source": "blob", "blob_key": "%D9%A1-2"}, "blob_key", "Invalid blob key: \u0661-2"),
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
    other = SessionRecordingFactory(environment=environment, session_id="sess-2")
    buffer(other, rrweb_line(77))
    other_blob = flush(other)

    response = api.get(url(environment, "sess-1", source="blob", blob_key=other_blob.blob_key))

    assert response.status_code == 404
    assert response.json()["detail"] == "Snapshot file not found"


def test_blob_row_without_object_is_404(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    get_blob_store().delete_prefix(recording_blob_object_key(blob))

    assert api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key)).status_code == 404


# --- faults -----------------------------------------------------------------------------------


def test_storage_outage_is_503_with_retry_after(
    api: APIClient, environment: Environment, blob: RecordingBlob, closed_port: int
) -> None:
    with storage_outage(closed_port):
        response = api.get(url(environment, "sess-1", source="blob", blob_key=blob.blob_key))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["type"] == "server_error"
    assert response.json()["attr"] is None


def test_sources_listing_does_not_need_object_storage(
    api: APIClient, environment: Environment, blob: RecordingBlob, closed_port: int
) -> None:
    with storage_outage(closed_port):
        response = api.get(url(environment, "sess-1"))

    assert response.status_code == 200
    assert response.json()["blob_count"] == 1


@pytest.mark.parametrize("params", [{}, {"source": "realtime"}])
def test_live_buffer_outage_is_503(
    api: APIClient, environment: Environment, recording: SessionRecording, params: dict[str, str]
) -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", REDIS_SOCKET_TIMEOUT_SECONDS=0.2):
        response = api.get(url(environment, "sess-1", **params))

    assert response.status_code == 503
    assert response.has_header("Retry-After")
    assert response.json()["type"] == "server_error"


# --- throttling and sharing -------------------------------------------------------------------


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
        statuses = [client.get(url(environment, "sess-1")).status_code for _ in range(3)]
        recordings_list = client.get(f"/api/projects/{environment.id}/session_recordings/")

    assert statuses == [200, 200, 429]
    assert recordings_list.status_code == 200


def test_sharing_token_reaches_its_recording_only(
    environment: Environment, recording: SessionRecording, blob: RecordingBlob
) -> None:
    other = SessionRecordingFactory(environment=environment, session_id="sess-2")
    token = sharing_configuration_update(recording=recording, user=None, enabled=True).access_token
    client = APIClient()

    sources = client.get(url(environment, "sess-1", "environments", sharing_access_token=token))
    data = client.get(
        url(environment, "sess-1", source="blob", blob_key=blob.blob_key, sharing_access_token=token)
    )
    denied = client.get(url(environment, other.session_id, sharing_access_token=token))

    assert sources.status_code == 200
    assert [s["blob_key"] for s in sources.json()["sources"]] == [blob.blob_key]
    assert body(data) == gzip.decompress(stored_bytes(blob))
    assert denied.status_code == 403

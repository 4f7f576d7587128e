"""PostHog's v2 snapshot sources (``blob_v2``, ``blob_v2_lts``), driven the way PostHog's player
drives them, over both backend pairs: the listing with ``blob_v2=true``, then block ranges with
and without ``decompress``, each byte-checked against the stored blobs."""

from __future__ import annotations

import gzip
import json
import struct
from collections.abc import Callable
from typing import Any

import cramjam
import pytest
from django.test import Client
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment, User
from snapshots.live_buffer import BufferedLine
from snapshots.models import RecordingBlob
from tests.snapshots.test_snapshots_api_support import (
    BASE_MS,
    body,
    buffer,
    closed_port_fixture,  # noqa: F401
    embedded_only,
    flush,
    recording_fixture,  # noqa: F401
    rrweb_line,
    storage_outage,
    stored_bytes,
    url,
)

pytestmark = pytest.mark.usefixtures("snapshot_backends")

META = {"type": 4, "data": {"href": "https://shop.example/", "width": 1440, "height": 900}}
FULL_SNAPSHOT = {
    "type": 2,
    "data": {"node": {"type": 0, "childNodes": [{"type": 2, "tagName": "html", "id": 2}], "id": 1}},
}


def _line(offset_ms: int, events: list[dict[str, Any]], window: str = "win-1") -> BufferedLine:
    stamped = [{**event, "timestamp": BASE_MS + offset_ms + index} for index, event in enumerate(events)]
    line = json.dumps({"window_id": window, "data": stamped}, separators=(",", ":"), ensure_ascii=False)
    return BufferedLine(score=BASE_MS + offset_ms, line=line)


def _mouse(x: int) -> dict[str, Any]:
    return {"type": 3, "data": {"source": 1, "positions": [{"x": x, "y": 2, "id": 5, "timeOffset": 0}]}}


@pytest.fixture
def three_blocks(recording: SessionRecording) -> list[RecordingBlob]:
    """Three flushed blobs: Meta + FullSnapshot (and a second window) first, then incrementals."""
    blobs = []
    buffer(recording, _line(0, [META, FULL_SNAPSHOT]), _line(5, [META], window="win-2"))
    blobs.append(flush(recording))
    buffer(
        recording, _line(1000, [_mouse(1), _mouse(2)]), _line(1500, [{"type": 3, "data": {"text": "é ✓"}}])
    )
    blobs.append(flush(recording))
    buffer(recording, _line(2000, [_mouse(3)]))
    blobs.append(flush(recording))
    return blobs


def expected_block(blob: RecordingBlob) -> bytes:
    """The v2 JSONL of one stored blob, built independently of the code under test."""
    out = []
    for raw in gzip.decompress(stored_bytes(blob)).decode().splitlines():
        message = json.loads(raw)
        for event in message["data"]:
            out.append(json.dumps([message["window_id"], event], separators=(",", ":"), ensure_ascii=False))
    return "".join(f"{line}\n" for line in out).encode()


def frames(data: bytes) -> list[bytes]:
    """Split PostHog's ``decompress=false`` body: 4-byte big-endian length + raw snappy, repeated."""
    blocks, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        blocks.append(bytes(cramjam.snappy.decompress_raw(data[offset + 4 : offset + 4 + length])))
        offset += 4 + length
    assert offset == len(data)
    return blocks


def playable(jsonl: bytes) -> dict[str, list[dict[str, Any]]]:
    """What PostHog's player does with v2 lines: group the events by window, in time order."""
    windows: dict[str, list[dict[str, Any]]] = {}
    for line in jsonl.decode().split("\n"):
        window_id, event = json.loads(line)
        windows.setdefault(window_id, []).append(event)
    return {
        window: sorted(events, key=lambda event: event["timestamp"]) for window, events in windows.items()
    }


def v2_url(environment: Environment, start: int, end: int, **params: str) -> str:
    return url(
        environment,
        "sess-1",
        source="blob_v2",
        start_blob_key=str(start),
        end_blob_key=str(end),
        **params,
    )


# --- PostHog's request sequence ---------------------------------------------------------------


def test_posthog_v2_sequence_reassembles_meta_and_full_snapshot_from_both_encodings(
    api: APIClient, environment: Environment, three_blocks: list[RecordingBlob]
) -> None:
    listing = api.get(url(environment, "sess-1", blob_v2="true"))

    assert listing.status_code == 200
    sources = listing.json()["sources"]
    assert sources == [
        {
            "source": "blob_v2",
            "start_timestamp": "2023-11-14T22:13:20.000Z",
            "end_timestamp": "2023-11-14T22:13:20.005Z",
            "blob_key": "0",
        },
        {
            "source": "blob_v2",
            "start_timestamp": "2023-11-14T22:13:21.000Z",
            "end_timestamp": "2023-11-14T22:13:21.500Z",
            "blob_key": "1",
        },
        {
            "source": "blob_v2",
            "start_timestamp": "2023-11-14T22:13:22.000Z",
            "end_timestamp": "2023-11-14T22:13:22.000Z",
            "blob_key": "2",
        },
    ]
    last = int(sources[-1]["blob_key"])
    expected = [expected_block(blob) for blob in three_blocks]

    decompressed = api.get(v2_url(environment, 0, last))
    compressed = api.get(v2_url(environment, 0, last, decompress="false"))

    assert decompressed.status_code == compressed.status_code == 200
    assert decompressed["Content-Type"] == "application/jsonl"
    assert compressed["Content-Type"] == "application/octet-stream"
    for response in (decompressed, compressed):
        assert response["Cache-Control"] == "private, max-age=3600"
        assert response["Content-Disposition"] == "inline"
        assert not response.has_header("ETag")
    jsonl_body, framed_body = body(decompressed), body(compressed)  # streamed: read once
    assert jsonl_body == b"".join(expected).rstrip(b"\n")
    assert frames(framed_body) == expected
    for jsonl in (jsonl_body, b"".join(frames(framed_body)).rstrip(b"\n")):
        windows = playable(jsonl)
        assert [event["type"] for event in windows["win-1"][:2]] == [4, 2]
        assert windows["win-1"][0]["data"] == META["data"]
        assert windows["win-1"][1]["data"] == FULL_SNAPSHOT["data"]
        assert [event["type"] for event in windows["win-2"]] == [4]
        assert len(windows["win-1"]) == 2 + 3 + 1


def test_a_sub_range_serves_exactly_those_blocks(
    api: APIClient, environment: Environment, three_blocks: list[RecordingBlob]
) -> None:
    middle = api.get(v2_url(environment, 1, 1, decompress="false"))
    tail = api.get(v2_url(environment, 1, 2))

    assert frames(body(middle)) == [expected_block(three_blocks[1])]
    assert body(tail) == (expected_block(three_blocks[1]) + expected_block(three_blocks[2])).rstrip(b"\n")


def test_era_b_single_block_by_blob_key(
    api: APIClient, environment: Environment, three_blocks: list[RecordingBlob]
) -> None:
    response = api.get(url(environment, "sess-1", source="blob_v2", blob_key="2"))

    assert response.status_code == 200
    assert body(response) == expected_block(three_blocks[2]).rstrip(b"\n")


def test_v1_sources_are_unchanged_without_the_flags(
    api: APIClient, environment: Environment, three_blocks: list[RecordingBlob]
) -> None:
    sources = api.get(url(environment, "sess-1")).json()["sources"]

    assert [source["source"] for source in sources] == ["blob", "blob", "blob"]
    assert [source["blob_key"] for source in sources] == [blob.blob_key for blob in three_blocks]


# --- the live block ---------------------------------------------------------------------------


def test_unflushed_data_is_the_last_block_and_is_never_cached(
    api: APIClient, environment: Environment, recording: SessionRecording, three_blocks: list[RecordingBlob]
) -> None:
    live = [_line(3000, [_mouse(4)]), _line(3500, [_mouse(5), _mouse(6)])]
    buffer(recording, *live)

    listing = api.get(url(environment, "sess-1", blob_v2="true")).json()
    live_block = api.get(v2_url(environment, 3, 3))
    framed = api.get(v2_url(environment, 2, 3, decompress="false"))

    assert listing["sources"][-1] == {
        "source": "blob_v2",
        "start_timestamp": "2023-11-14T22:13:23.000Z",
        "end_timestamp": "2023-11-14T22:13:23.500Z",
        "blob_key": "3",
    }
    assert listing["realtime_line_count"] == 2
    expected_live = "".join(
        json.dumps(["win-1", event], separators=(",", ":")) + "\n"
        for item in live
        for event in json.loads(item.line)["data"]
    ).encode()
    assert body(live_block) == expected_live.rstrip(b"\n")
    assert live_block["Cache-Control"] == framed["Cache-Control"] == "no-store"
    assert frames(body(framed)) == [expected_block(three_blocks[2]), expected_live]


def test_after_the_flush_the_same_index_serves_the_blob(
    api: APIClient, environment: Environment, recording: SessionRecording, three_blocks: list[RecordingBlob]
) -> None:
    buffer(recording, _line(3000, [_mouse(4)]))
    before = body(api.get(v2_url(environment, 3, 3)))

    blob = flush(recording)
    after = api.get(v2_url(environment, 3, 3))

    assert body(after) == before == expected_block(blob).rstrip(b"\n")
    assert after["Cache-Control"] == "private, max-age=3600"


# --- validation and errors --------------------------------------------------------------------


V2 = {"source": "blob_v2"}
RANGE_0_0 = {**V2, "start_blob_key": "0", "end_blob_key": "0"}
ALL_SOURCES = "['blob', 'realtime', 'blob_v2', 'blob_v2_lts']"


MUST_PROVIDE_BOTH = "Must provide both start blob key and end blob key"
NOT_INTEGERS = "Blob keys must be integers"
NOT_BOOLEAN = "Must be a valid boolean."


def _range(start: str, end: str) -> dict[str, str]:
    return {**V2, "start_blob_key": start, "end_blob_key": end}


@embedded_only
@pytest.mark.parametrize(
    ("params", "attr", "code", "detail"),
    [
        ({"source": "blob_v3"}, "source", "invalid_source", f"Invalid source must be one of {ALL_SOURCES}"),
        (V2, "start_blob_key", "required", MUST_PROVIDE_BOTH),
        ({**V2, "start_blob_key": "0"}, "end_blob_key", "required", MUST_PROVIDE_BOTH),
        (_range("a", "1"), "start_blob_key", "invalid_input", NOT_INTEGERS),
        ({"start_blob_key": "a"}, "start_blob_key", "invalid_input", NOT_INTEGERS),
        ({"source": "realtime", "end_blob_key": ""}, "end_blob_key", "invalid_input", NOT_INTEGERS),
        (_range("0", "-1"), "end_blob_key", "invalid_input", NOT_INTEGERS),
        (_range("0", "1.5"), "end_blob_key", "invalid_input", NOT_INTEGERS),
        (
            _range("3", "2"),
            "start_blob_key",
            "invalid_input",
            "start_blob_key must not be greater than end_blob_key",
        ),
        (_range("0", "20"), "end_blob_key", "invalid_input", "Cannot request more than 20 blob keys at once"),
        ({**RANGE_0_0, "decompress": "maybe"}, "decompress", "invalid_input", NOT_BOOLEAN),
        ({"source": "blob_v2_lts"}, "blob_key", "required", "Must provide a blob key"),
        ({"blob_v2": "yes please"}, "blob_v2", "invalid_input", NOT_BOOLEAN),
    ],
)
def test_invalid_v2_parameters_are_400(
    api: APIClient,
    environment: Environment,
    recording: SessionRecording,
    params: dict[str, str],
    attr: str,
    code: str,
    detail: str,
) -> None:
    response = api.get(url(environment, "sess-1", **params))

    assert response.status_code == 400
    assert response.json() == {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


@embedded_only
def test_twenty_blocks_is_the_personal_key_limit(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    response = api.get(v2_url(environment, 0, 19))

    assert response.status_code == 404  # valid range; the recording just has no blocks
    assert response.json()["detail"] == "Session recording not found"


@embedded_only
def test_logged_in_users_may_ask_for_a_hundred_blocks(
    staff_client: Client, environment: Environment, recording: SessionRecording
) -> None:
    assert staff_client.get(v2_url(environment, 0, 99)).json()["detail"] == "Session recording not found"
    assert staff_client.get(v2_url(environment, 0, 100)).json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Cannot request more than 100 blob keys at once",
        "attr": "end_blob_key",
    }


def test_a_range_past_the_last_block_is_404(
    api: APIClient, environment: Environment, three_blocks: list[RecordingBlob]
) -> None:
    response = api.get(v2_url(environment, 1, 3))

    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Block index out of range",
        "attr": None,
    }


@embedded_only
def test_a_recording_without_blocks_is_404(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    response = api.get(v2_url(environment, 0, 0))

    assert response.status_code == 404
    assert response.json()["detail"] == "Session recording not found"


@embedded_only
def test_v2_needs_credentials_scope_and_membership(
    key_client: Callable[..., APIClient],
    environment: Environment,
    outsider: User,
    three_blocks: list[RecordingBlob],
) -> None:
    assert APIClient().get(v2_url(environment, 0, 0)).status_code == 401
    no_scope = key_client(["session_recording_playlist:read"]).get(v2_url(environment, 0, 0))
    assert no_scope.status_code == 403
    assert no_scope.json()["detail"] == "API key missing required scope 'session_recording:read'"
    # Another organization's project answers like one that does not exist.
    assert key_client(["*"], user=outsider).get(v2_url(environment, 0, 0)).status_code == 404
    assert key_client(["session_recording:read"]).get(v2_url(environment, 0, 0)).status_code == 200


def test_another_environments_blocks_are_404(
    api: APIClient, environment: Environment, other_environment: Environment
) -> None:
    theirs = SessionRecording.objects.create(
        environment=other_environment,
        session_id="theirs",
        start_time="2023-11-14T22:13:20Z",
        end_time="2023-11-14T22:13:21Z",
    )
    buffer(theirs, rrweb_line(0))
    flush(theirs)

    response = api.get(url(environment, "theirs", source="blob_v2", start_blob_key="0", end_blob_key="0"))

    assert response.status_code == 404
    assert response.json()["detail"] == "Recording not found"


@pytest.mark.parametrize("snapshot_backends", [("redis", "s3")], indirect=True, ids=["redis-s3"])
def test_storage_outage_is_503_not_an_empty_recording(
    api: APIClient, environment: Environment, three_blocks: list[RecordingBlob], closed_port: int
) -> None:
    with storage_outage(closed_port):
        for decompress in ("true", "false"):
            response = api.get(v2_url(environment, 0, 2, decompress=decompress))

            assert response.status_code == 503
            assert response["Retry-After"]
            assert response.json()["type"] == "server_error"


def test_a_missing_object_is_404(
    api: APIClient, environment: Environment, three_blocks: list[RecordingBlob]
) -> None:
    from snapshots.storage import get_blob_store

    get_blob_store().delete_prefix(three_blocks[0].object_key)

    response = api.get(v2_url(environment, 0, 1))

    assert response.status_code == 404
    assert response.json()["detail"] == "Snapshot file not found"

"""Hostile envelopes: every one is a 4xx (never a 500), and nothing of it is stored.

"Nothing stored" is checked where data would go: the live buffer, the ingest log (drained into
the database) and the recordings tables.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import orjson
import pytest
from django.test import Client, override_settings

from recordings.models import RecordingClick, RecordingError, ReplaySegment, SessionRecording
from recordings_api.models import Environment, SentryClientKey
from snapshots.live_buffer import get_ingest_log, get_live_buffer
from tests.snapshots.sentry_support import (
    FIXTURE_PUBLIC_KEY,
    FIXTURE_REPLAY_ID,
    envelope_bytes,
    post_envelope,
    rebased_envelopes,
    recording_payload,
    split_envelope,
)
from tests.snapshots.test_capture_support import embedded_buffer  # noqa: F401

pytestmark = pytest.mark.usefixtures("embedded_buffer")


@pytest.fixture(autouse=True)
def sentry_key(environment: Environment) -> SentryClientKey:
    return SentryClientKey.objects.create(environment=environment, public_key=FIXTURE_PUBLIC_KEY)


def _segment_zero() -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    return split_envelope(rebased_envelopes()[3])


def _with_recording(payload: bytes) -> bytes:
    headers, items = _segment_zero()
    return envelope_bytes(headers, [items[0], ({"type": "replay_recording"}, payload)])


def _with_event(event: bytes) -> bytes:
    headers, items = _segment_zero()
    return envelope_bytes(headers, [({"type": "replay_event"}, event), items[1]])


def _assert_nothing_stored(environment: Environment) -> None:
    assert get_live_buffer().read(environment_id=environment.id, session_id=FIXTURE_REPLAY_ID) == []
    assert get_ingest_log().log_backlog().entries == 0
    assert not SessionRecording.objects.exists()
    assert not (
        ReplaySegment.objects.exists() or RecordingError.objects.exists() or RecordingClick.objects.exists()
    )


def _bomb(size: int) -> bytes:
    return zlib.compress(b"[" + b" " * size + b"]", 9)


HOSTILE: dict[str, tuple[Any, int, str]] = {
    "length past the end": (
        lambda: envelope_bytes({}, [({"type": "event", "length": 99}, b"{}")], lengths=False),
        400,
        "invalid envelope: item 0: length 99 runs past the end of the envelope",
    ),
    "length too short": (
        lambda: envelope_bytes({}, [({"type": "event", "length": 1}, b"{}")], lengths=False),
        400,
        "invalid envelope: item 0: its payload of length 1 is not followed by a newline",
    ),
    "negative length": (
        lambda: envelope_bytes({}, [({"type": "event", "length": -5}, b"{}")], lengths=False),
        400,
        "invalid envelope: item 0: length must be a non-negative integer",
    ),
    "bad JSON header": (
        lambda: b"{not json}\n",
        400,
        "invalid envelope: the envelope header is not valid JSON",
    ),
    "bad JSON replay_event": (
        lambda: _with_event(b'{"replay_id": "' + FIXTURE_REPLAY_ID.encode() + b'",'),
        400,
        "invalid envelope: the replay_event item is not valid JSON",
    ),
    "replay_event with NaN": (
        lambda: _with_event(b'{"replay_id":"' + FIXTURE_REPLAY_ID.encode() + b'","segment_id":0,"x":NaN}'),
        400,
        "invalid envelope: the replay_event item is not valid JSON",
    ),
    "missing segment_id": (
        lambda: _with_event(orjson.dumps({"replay_id": FIXTURE_REPLAY_ID})),
        400,
        "invalid envelope: replay_event: missing segment_id",
    ),
    "bad JSON recording": (
        lambda: _with_recording(b'{"segment_id":0}\n' + zlib.compress(b"[{")),
        400,
        "invalid envelope: replay_recording: the events are not valid JSON",
    ),
    "garbage recording": (
        lambda: _with_recording(b'{"segment_id":0}\n\x01\x02\x03'),
        400,
        "invalid envelope: replay_recording: the replay recording is neither JSON, zlib nor gzip",
    ),
    "zip bomb recording": (
        lambda: _with_recording(b'{"segment_id":0}\n' + _bomb(64 * 1024 * 1024)),
        413,
        "",
    ),
    "gzip bomb recording": (
        lambda: _with_recording(
            b'{"segment_id":0}\n' + gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]")
        ),
        413,
        "",
    ),
    "huge event item": (
        lambda: envelope_bytes({}, [({"type": "event"}, b" " * (2 * 1024 * 1024))]),
        413,
        "a event item is larger than 1048576 bytes",
    ),
    "huge recording item": (
        lambda: _with_recording(
            recording_payload(
                0, [{"type": 3, "timestamp": 1, "pad": "x" * (11 * 1024 * 1024)}], compress=False
            )
        ),
        413,
        "a replay_recording item is larger than 10485760 bytes",
    ),
    "empty body": (lambda: b"", 400, "invalid envelope: empty request body"),
    "error without id": (
        lambda: envelope_bytes({}, [({"type": "event"}, b'{"message": "x"}')]),
        400,
        "invalid envelope: event: missing or invalid event_id",
    ),
    "recording without a replay": (
        lambda: envelope_bytes({}, [({"type": "replay_recording"}, recording_payload(0, []))]),
        400,
        "invalid envelope: replay_recording: the envelope names no replay (event_id)",
    ),
    "too many items": (
        lambda: envelope_bytes({}, [({"type": "session"}, b"{}")] * 1001),
        400,
        "invalid envelope: an envelope holds at most 1000 items",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_envelopes_are_refused_whole(environment: Environment, case: str) -> None:
    build, status, detail = HOSTILE[case]
    response = post_envelope(Client(), environment.id, build())

    assert response.status_code == status, response.content
    assert response.json()["detail"].startswith(detail)
    _assert_nothing_stored(environment)


@override_settings(SENTRY_ENVELOPE_MAX_BYTES=10_000, SENTRY_ENVELOPE_MAX_DECODED_BYTES=50_000)
@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        (b"{}\n" + b" " * 20_000, "", 413),
        (gzip.compress(b"{}\n" + b"\n" * 1_000_000), "gzip", 413),
        (b"\x1f\x8b garbage", "gzip", 400),
        (b"{}\n", "compress", 400),
    ],
)
def test_oversized_bodies_bombs_and_bad_encodings(
    environment: Environment, body: bytes, encoding: str, status: int
) -> None:
    extra: dict[str, Any] = {"HTTP_CONTENT_ENCODING": encoding} if encoding else {}
    response = post_envelope(Client(), environment.id, body, **extra)
    assert response.status_code == status
    _assert_nothing_stored(environment)


@pytest.mark.parametrize("project", ["abc", "0", "-1", "9" * 30])
def test_project_paths_that_cannot_be_an_environment(project: str) -> None:
    response = Client().post(
        f"/api/{project}/envelope/?sentry_key={FIXTURE_PUBLIC_KEY}", data=b"{}", content_type=""
    )
    assert (response.status_code, response.json()) == (400, {"detail": "bad project path parameter"})


def test_a_live_buffer_outage_is_503_with_retry_after(environment: Environment, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.REDIS_SOCKET_TIMEOUT_SECONDS = 0.5
    response = post_envelope(Client(), environment.id, rebased_envelopes()[3])

    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.json() == {"detail": "temporarily unavailable, retry later"}


def test_segments_far_from_now_are_accepted_and_dropped(environment: Environment) -> None:
    response = post_envelope(Client(), environment.id, rebased_envelopes(delta_ms=-30 * 86_400_000)[3])

    assert response.status_code == 200  # a non-2xx would stop the SDK's replay for good
    _assert_nothing_stored(environment)

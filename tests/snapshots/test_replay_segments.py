"""Segments as the Sentry face serves them (``snapshots.replay_segments``), against every pair of
live buffer and object storage drivers: the real SDK's replay, before and after its flush, and
posthog-js recordings whose segments are their blobs."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import pytest
from django.test import Client

from recordings.models import SessionRecording
from recordings_api.models import Environment, SentryClientKey
from snapshots.capture.sentry.lines import replay_segment_pieces
from snapshots.replay_segments import (
    replay_segment_chunks,
    replay_segment_get,
    replay_segments_chunks,
    replay_segments_count,
    replay_segments_list,
)
from tests.factories import SessionRecordingFactory
from tests.snapshots.sentry_support import (
    FIXTURE_PUBLIC_KEY,
    FIXTURE_REPLAY_ID,
    post_envelope,
    rebased_envelopes,
    recording_events,
    split_envelope,
)
from tests.snapshots.test_snapshots_api_support import buffer, flush, rrweb_line


@pytest.fixture
def sent_bodies() -> list[bytes]:
    return rebased_envelopes()


@pytest.fixture
def sentry_replay(
    environment: Environment, snapshot_backends: tuple[str, str], sent_bodies: list[bytes]
) -> SessionRecording:
    SentryClientKey.objects.create(environment=environment, public_key=FIXTURE_PUBLIC_KEY)
    for body in sent_bodies:
        assert post_envelope(Client(), environment.id, body).status_code == 200
    return SessionRecording.objects.get(environment=environment, session_id=FIXTURE_REPLAY_ID)


def _sent_segments(bodies: list[bytes]) -> dict[int, bytes]:
    """Each segment's decompressed recording bytes, as the SDK sent them."""
    sent = {}
    for body in bodies:
        for header, payload in split_envelope(body)[1]:
            if header["type"] == "replay_recording":
                segment_header, _ = recording_events(payload)
                sent[segment_header["segment_id"]] = zlib.decompress(payload[payload.index(b"\n") + 1 :])
    return sent


def _joined(chunks: Any) -> bytes:
    return b"".join(chunks)


@pytest.mark.parametrize("flushed", [False, True], ids=["buffered", "flushed"])
def test_sentry_segments_are_served_byte_for_byte_in_segment_order(
    sentry_replay: SessionRecording, sent_bodies: list[bytes], flushed: bool
) -> None:
    sent = _sent_segments(sent_bodies)
    if flushed:
        flush(sentry_replay)
    segments = replay_segments_list(recording=sentry_replay, offset=0, limit=100)
    assert [segment.segment_id for segment in segments] == [0, 1, 2]
    assert replay_segments_count(recording=sentry_replay) == 3
    body = _joined(replay_segments_chunks(recording=sentry_replay, segments=segments))
    assert body == b"[" + b",".join(sent[n] for n in (0, 1, 2)) + b"]"
    decoded = orjson.loads(body)
    assert [event["type"] for event in decoded[0][:5]] == [0, 5, 1, 4, 2]
    one = replay_segment_get(recording=sentry_replay, segment_id=1)
    assert one is not None
    assert _joined(replay_segment_chunks(recording=sentry_replay, segment=one)) == sent[1]
    page = replay_segments_list(recording=sentry_replay, offset=1, limit=1)
    assert _joined(replay_segments_chunks(recording=sentry_replay, segments=page)) == b"[" + sent[1] + b"]"
    assert replay_segment_get(recording=sentry_replay, segment_id=7) is None


def test_posthog_segments_are_blobs_in_time_order_then_the_live_buffer(
    environment: Environment, snapshot_backends: tuple[str, str]
) -> None:
    recording = SessionRecordingFactory.create(environment=environment, session_id="sess-1", event_count=0)
    buffer(recording, rrweb_line(1000), rrweb_line(0, window="win-2"))
    flush(recording)
    buffer(recording, rrweb_line(2000))
    flush(recording)
    buffer(recording, rrweb_line(3000))
    segments = replay_segments_list(recording=recording, offset=0, limit=100)
    assert [(s.segment_id, s.blob is None) for s in segments] == [(0, False), (1, False), (2, True)]

    def events(*offsets: int) -> list[Any]:
        return [event for offset in offsets for event in orjson.loads(rrweb_line(offset).line)["data"]]

    body = orjson.loads(_joined(replay_segments_chunks(recording=recording, segments=segments)))
    assert body == [events(0, 1000), events(2000), events(3000)]
    live = _joined(replay_segment_chunks(recording=recording, segment=segments[2]))
    assert orjson.loads(live) == events(3000)


def test_segments_missing_their_events_are_empty_arrays(
    sentry_replay: SessionRecording,
) -> None:
    from recordings.models import ReplaySegment

    ReplaySegment.objects.filter(session_id=sentry_replay.session_id, segment_id=1).update(recording=None)
    segments = replay_segments_list(recording=sentry_replay, offset=0, limit=100)
    body = orjson.loads(_joined(replay_segments_chunks(recording=sentry_replay, segments=segments)))
    assert [len(segment) > 0 for segment in body] == [True, False, True]


def test_the_segment_scanner_splits_lines_at_any_chunk_boundary() -> None:
    head = b'{"window_id":"' + b"a" * 32 + b'","segment_id":'
    lines = [
        b'{"window_id":"w","data":[{"type":4}]}',
        head + b'3,"data":[{"type":2,"x":"\\n}"}]}',
        head + b'4,"data":[]}',
        head + b'12,"data":[{"type":3}]}',
    ]
    stream = b"\n".join(lines) + b"\n"
    expected = {3: b'[{"type":2,"x":"\\n}"}]', 12: b'[{"type":3}]'}
    for size in (1, 2, 3, 7, 50, len(stream)):
        chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
        got: dict[int, bytes] = {}
        for segment_id, piece in replay_segment_pieces(chunks, wanted=frozenset({3, 12})):
            got.setdefault(segment_id, b"")
            if piece is not None:
                got[segment_id] += piece
        assert got == expected, size


SEGMENT_BYTES = 5 * 1024 * 1024
SEGMENTS = 20  # 100 MB of rrweb events


def _big_segment(segment_id: int, start_ms: int) -> bytes:
    """About ``SEGMENT_BYTES`` of events: mutations carrying text that compresses moderately."""
    text = "".join(f"{segment_id:04d}-{n:08d} " for n in range(200))
    events = [
        {"type": 3, "timestamp": start_ms + n, "data": {"source": 0, "texts": [text]}} for n in range(2)
    ]
    padding = {"type": 3, "timestamp": start_ms + 2, "data": {"source": 0, "t": text}}
    count = SEGMENT_BYTES // len(orjson.dumps(padding))
    return orjson.dumps(events + [padding] * count)


# tracemalloc sees every thread of the process, and the moto server runs in this one (its copy
# of an object being served would count): the local store stands for object storage here.
@pytest.mark.parametrize("snapshot_backends", [("database", "local")], indirect=True, ids=["database-local"])
def test_a_100_mb_replay_downloads_with_flat_memory(
    environment: Environment, snapshot_backends: tuple[str, str]
) -> None:
    """Every segment streams through in pieces: the download's peak allocation stays a small
    fraction of one segment, let alone of the recording."""
    import tracemalloc

    from recordings.models import ReplaySegment
    from recordings_api.timestamps import ms_to_datetime
    from snapshots.capture.sentry.lines import replay_segment_line
    from snapshots.live_buffer import BufferedLine

    replay_id, start_ms = "ab" * 16, 1_800_000_000_000
    recording = SessionRecordingFactory.create(environment=environment, session_id=replay_id)
    sizes = []
    for segment_id in range(SEGMENTS):
        first_ms = start_ms + segment_id * 1000
        data = _big_segment(segment_id, first_ms)
        sizes.append(len(data))
        line = replay_segment_line(replay_id=replay_id, segment_id=segment_id, data=data, events=[])
        buffer(recording, BufferedLine(score=first_ms, line=line))
        ReplaySegment.objects.create(
            environment=environment,
            session_id=replay_id,
            segment_id=segment_id,
            event={"timestamp_ms": first_ms},
            timestamp=ms_to_datetime(first_ms),
            recording={"metadata": {"first_timestamp": first_ms, "last_timestamp": first_ms + 2}},
        )
        if segment_id % 5 == 4:
            flush(recording)
    segments = replay_segments_list(recording=recording, offset=0, limit=100)
    tracemalloc.start()
    try:
        total = 0
        for chunk in replay_segments_chunks(recording=recording, segments=segments):
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == sum(sizes) + SEGMENTS + 1  # brackets and commas
    assert total > 100 * 1024 * 1024
    assert peak < SEGMENT_BYTES // 2, peak

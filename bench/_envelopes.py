"""Synthetic Sentry replay traffic, shaped like ``@sentry/browser`` 11.12.0 sends it.

Every segment is the real SDK's segment 0 from ``tests/fixtures/sentry-browser-11.12.0``
(envelope-04: 74 rrweb events, Meta + FullSnapshot + clicks + breadcrumbs + performance spans,
~2.5 KB of zlib) with its times moved and its replay id replaced: one envelope per segment
(``replay_event`` without ``length``, then ``replay_recording`` with it), no Content-Type, the
key in the query string. ``EnvelopeRequest.line`` is the live buffer line the service must store.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "fixtures"
    / "sentry-browser-11.12.0"
    / "envelope-04.bin"
)
SEGMENT_EVERY_MS = 5000


@dataclass(frozen=True)
class EnvelopeRequest:
    session_id: str  # the replay id
    segment_id: int
    body: bytes
    json_size: int  # the decompressed recording
    score: int
    line: str


def _items(data: bytes) -> tuple[dict[str, Any], list[bytes]]:
    first = data.index(b"\n")
    headers = orjson.loads(data[:first])
    rest = data[first + 1 :]
    event_header_end = rest.index(b"\n")
    event_end = rest.index(b"\n", event_header_end + 1)
    event = rest[event_header_end + 1 : event_end]
    recording_header_end = rest.index(b"\n", event_end + 1)
    recording = rest[recording_header_end + 1 :]
    return headers, [event, recording]


def _template() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    _, (event, recording) = _items(FIXTURE.read_bytes())
    events = orjson.loads(zlib.decompress(recording.split(b"\n", 1)[1]))
    return orjson.loads(event), events


def _moved(value: Any, delta_ms: int, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _moved(v, delta_ms, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(item, delta_ms) for item in value]
    if key in ("timestamp", "startTimestamp", "endTimestamp") and isinstance(value, int | float):
        return value + delta_ms if value > 1e11 else value + delta_ms / 1000
    return value


def replay_traffic(*, replays: int, segments: int, now_ms: int) -> list[EnvelopeRequest]:
    """``replays`` x ``segments`` envelopes, segment by segment across replays (the SDK sends a
    replay's segments one after the other)."""
    from snapshots.capture.sentry.breadcrumbs import normalized_events
    from snapshots.capture.sentry.lines import replay_segment_line

    event_template, events_template = _template()
    start = now_ms - 60_000 - segments * SEGMENT_EVERY_MS
    base_delta = start - int(event_template["replay_start_timestamp"] * 1000)
    requests = []
    ids = [uuid.uuid4().hex for _ in range(replays)]
    for segment_id in range(segments):
        delta = base_delta + segment_id * SEGMENT_EVERY_MS
        events = _moved(events_template, delta)
        data = orjson.dumps(events)
        recording = b'{"segment_id":' + str(segment_id).encode() + b"}\n" + zlib.compress(data, 6)
        score = min(int(e["timestamp"]) for e in normalized_events(events))
        for replay_id in ids:
            event = {
                **event_template,
                "replay_id": replay_id,
                "event_id": replay_id,
                "segment_id": segment_id,
                "error_ids": [],
                "replay_start_timestamp": start / 1000,
                "timestamp": (start + (segment_id + 1) * SEGMENT_EVERY_MS) / 1000,
            }
            header = orjson.dumps({"event_id": replay_id, "sent_at": "2026-01-01T00:00:00.000Z"})
            body = b"\n".join(
                [
                    header,
                    b'{"type":"replay_event"}',
                    orjson.dumps(event),
                    orjson.dumps({"type": "replay_recording", "length": len(recording)}),
                    recording,
                ]
            )
            line = replay_segment_line(replay_id=replay_id, segment_id=segment_id, data=data, events=events)
            requests.append(EnvelopeRequest(replay_id, segment_id, body, len(data), score, line))
    return requests

"""The snapshot line of one Sentry replay segment, and how to read a segment back out of it.

A segment's rrweb events become ONE line of the recording's JSONL (live buffer, then blobs),
``{"window_id": "<replay id>", "segment_id": N, "data": <the events>}``: readers of the PostHog
face see an ordinary ``{"window_id", "data"}`` line (the replay is one window), and the Sentry
face finds a segment by its id and serves its ``data`` exactly as the SDK sent it (after
decompression): the decompressed JSON array is spliced into the line byte for byte. Only an array
containing a raw newline (JSONL's separator; SDKs never send one) is written again, compactly.
"""

from __future__ import annotations

import re

import orjson

from snapshots.capture.sanitize import events_json

_PREFIX = re.compile(rb'^\{"window_id":"[0-9a-f]{32}","segment_id":(\d+),"data":')


def replay_segment_line(*, replay_id: str, segment_id: int, data: bytes, events: list[object]) -> str:
    """The line for segment ``segment_id`` whose decompressed body is ``data`` (parsed: ``events``)."""
    body = data.strip(b" \t\r\n")
    if b"\n" in body:
        body = events_json(events)
    head = b'{"window_id":' + orjson.dumps(replay_id) + b',"segment_id":' + str(segment_id).encode()
    return (head + b',"data":' + body + b"}").decode("utf-8")


def replay_segment_of_line(line: str | bytes) -> tuple[int, bytes] | None:
    """``(segment id, the events' JSON bytes as sent)`` of a line this module wrote; None for any
    other line (a posthog-js line, for instance)."""
    raw = line.encode("utf-8") if isinstance(line, str) else line
    match = _PREFIX.match(raw)
    if match is None or not raw.endswith(b"}"):
        return None
    return int(match.group(1)), raw[match.end() : -1]

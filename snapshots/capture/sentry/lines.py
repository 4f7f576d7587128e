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
from collections.abc import Iterable, Iterator

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


# Long enough for the prefix of a line this module wrote (window id, segment id up to 20 digits).
_HEAD_MAX = 96


class _SegmentScanner:
    """State of ``replay_segment_pieces`` between chunks (see there)."""

    def __init__(self, wanted: frozenset[int] | None) -> None:
        self.wanted = wanted
        self.head = b""
        self.segment: int | None = None  # the segment whose data is being emitted
        self.skipping = False
        self.held = b""  # the last byte seen of the data: the line's closing brace, or not

    def feed(self, chunk: bytes) -> Iterator[tuple[int, bytes | None]]:
        position = 0
        while position < len(chunk):
            newline = chunk.find(b"\n", position)
            end = len(chunk) if newline == -1 else newline
            if self.segment is not None:
                yield from self._data(chunk[position:end], final=newline != -1)
            elif not self.skipping:
                end = min(end, position + _HEAD_MAX - len(self.head))
                yield from self._head(chunk[position:end], line_ended=end == newline)
            if end == newline:
                self.head, self.segment, self.skipping, self.held = b"", None, False, b""
                end += 1
            position = end

    def _head(self, piece: bytes, *, line_ended: bool) -> Iterator[tuple[int, bytes | None]]:
        self.head += piece
        match = _PREFIX.match(self.head)
        if match is None:
            self.skipping = line_ended or len(self.head) >= _HEAD_MAX
            return
        segment_id = int(match.group(1))
        if self.wanted is not None and segment_id not in self.wanted:
            self.skipping = True
            return
        self.segment, rest, self.head = segment_id, self.head[match.end() :], b""
        yield from self._data(rest, final=line_ended)

    def _data(self, piece: bytes, *, final: bool) -> Iterator[tuple[int, bytes | None]]:
        assert self.segment is not None
        data = self.held + piece
        if final:
            if data.endswith(b"}") and len(data) > 1:
                yield self.segment, data[:-1]
            yield self.segment, None
            return
        self.held = data[-1:]
        if len(data) > 1:
            yield self.segment, data[:-1]


def replay_segment_pieces(
    chunks: Iterable[bytes], *, wanted: frozenset[int] | None = None
) -> Iterator[tuple[int, bytes | None]]:
    """The segments' events in a stream of JSONL (a blob, decompressed), without holding a line.

    Yields ``(segment id, bytes)`` pieces of each segment line's ``data`` as sent, then
    ``(segment id, None)`` once that segment's data is complete; other lines (posthog-js lines,
    segments not in ``wanted``) are skipped. Memory stays bounded by the chunk size: a 100 MB
    segment passes through in pieces. The stream's last line must end with a newline.
    """
    scanner = _SegmentScanner(wanted)
    for chunk in chunks:
        yield from scanner.feed(chunk)

"""Segments' events streamed from object storage and the live buffer, with flat memory.

``replay_segments_chunks`` yields ``[<segment>,<segment>,…]``, ``replay_segment_chunks`` one
segment's JSON array. Sentry segments are spliced byte for byte from their snapshot lines
(``replay_segment_pieces``: never a whole line in memory), in segment order: the blobs that can
hold the wanted segments are read in time order, then the live buffer; a segment met before its
turn (only when a later segment's events are older, which the SDK never does) is held until its
turn. A segment whose events are nowhere (its recording part never arrived, a blob went missing)
is ``[]``, as in Sentry. posthog-js segments re-join their lines' events (one line at a time).

Failures: the first storage or live-buffer read happens before the first chunk is yielded, so a
caller prefetching one chunk can still answer 503 (``StorageUnavailable``,
``LiveBufferUnavailable``); later failures raise out of the iterator (the server must cut the
connection, never end the body cleanly).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence

import orjson

from recordings.models import SessionRecording
from recordings_api.timestamps import ms_to_datetime
from snapshots.capture.sentry.lines import replay_segment_pieces
from snapshots.live_buffer import get_live_buffer
from snapshots.models import RecordingBlob
from snapshots.replay_segments.listing import ReplaySegmentRef
from snapshots.storage import get_blob_store
from snapshots.storage.blob_format import blob_lines, gunzip_chunks

logger = logging.getLogger(__name__)
EMPTY = b"[]"


def _blob_chunks(blob: RecordingBlob) -> Iterator[bytes]:
    """The blob's decompressed JSONL; nothing (logged) when its object is missing."""
    stream = get_blob_store().open(blob.object_key)
    if stream is None:
        logger.error("replay_segment_blob_missing", extra={"blob_id": blob.pk, "blob_key": blob.blob_key})
        return
    try:
        yield from gunzip_chunks(stream.chunks)
    finally:
        stream.close()


def _live_chunks(recording: SessionRecording) -> Iterator[bytes]:
    lines = get_live_buffer().read(environment_id=recording.environment_id, session_id=recording.session_id)
    for item in lines:
        yield item.line.encode("utf-8") + b"\n"


def _sentry_sources(recording: SessionRecording, segments: Sequence[ReplaySegmentRef]) -> Iterator[bytes]:
    """Decompressed JSONL of every blob whose time range can hold one of ``segments``, then the
    live buffer's lines."""
    times = [ref.first_ms for ref in segments if ref.first_ms is not None]
    if not times:
        return
    blobs = RecordingBlob.objects.filter(
        environment_id=recording.environment_id,
        session_id=recording.session_id,
        start_timestamp__lte=ms_to_datetime(max(times)),
        end_timestamp__gte=ms_to_datetime(min(times)),
    ).order_by("start_timestamp", "blob_key")
    for blob in list(blobs):
        yield from _blob_chunks(blob)
    yield from _live_chunks(recording)


class _InOrder:
    """Emits segments in the order of ``order`` whatever order their pieces arrive in."""

    def __init__(self, order: Sequence[int], *, absent: Iterable[int]) -> None:
        self.order = list(order)
        self.next = 0  # index in ``order`` of the segment to emit now
        # Segments with no events anywhere are complete from the start: ``[]``.
        self.done: set[int] = set(absent)
        self.held: dict[int, list[bytes]] = {segment_id: [EMPTY] for segment_id in self.done}

    def _separator(self) -> bytes:
        return b"," if self.next else b""

    def piece(self, segment_id: int, piece: bytes | None) -> Iterator[bytes]:
        if segment_id in self.done or segment_id not in self.order[self.next :]:
            return  # a duplicate line (a flush retried before its buffer lines were removed)
        if segment_id != self.order[self.next]:
            if piece is None:
                self.done.add(segment_id)
            else:
                self.held.setdefault(segment_id, []).append(piece)
            return
        if segment_id not in self.held:
            self.held[segment_id] = []
            yield self._separator()
        if piece is not None:
            yield piece
            return
        self.done.add(segment_id)
        del self.held[segment_id]
        self.next += 1
        yield from self.ready()

    def ready(self) -> Iterator[bytes]:
        """Segments already complete whose turn has come."""
        while self.next < len(self.order) and self.order[self.next] in self.done:
            yield self._separator()
            yield b"".join(self.held.pop(self.order[self.next], []))
            self.next += 1

    def finish(self) -> Iterator[bytes]:
        """The rest in order: held segments, ``[]`` for those never found."""
        while self.next < len(self.order):
            segment_id = self.order[self.next]
            yield self._separator()
            yield b"".join(self.held.pop(segment_id, [])) if segment_id in self.done else EMPTY
            self.next += 1


def _sentry_chunks(recording: SessionRecording, segments: Sequence[ReplaySegmentRef]) -> Iterator[bytes]:
    """The segments' arrays, comma-separated (no brackets), in the order given."""
    order = [ref.segment_id for ref in segments]
    wanted = frozenset(ref.segment_id for ref in segments if ref.first_ms is not None)
    emitter = _InOrder(order, absent=set(order) - wanted)
    yield from emitter.ready()
    if wanted:
        for segment_id, piece in replay_segment_pieces(_sentry_sources(recording, segments), wanted=wanted):
            yield from emitter.piece(segment_id, piece)
            if emitter.next == len(order):
                return
    yield from emitter.finish()


def _line_events(lines: Iterable[str]) -> Iterator[bytes]:
    """One JSON array of every line's ``data`` events, one parsed line at a time (nothing is
    yielded before the first line was read)."""
    opening = b"["
    for line in lines:
        try:
            data = orjson.loads(line).get("data")
        except (orjson.JSONDecodeError, AttributeError):
            continue
        if isinstance(data, list) and data:
            yield opening + orjson.dumps(data)[1:-1]
            opening = b","
    yield EMPTY if opening == b"[" else b"]"


def _posthog_lines(recording: SessionRecording, segment: ReplaySegmentRef) -> Iterator[str]:
    if segment.blob is None:
        for item in get_live_buffer().read(
            environment_id=recording.environment_id, session_id=recording.session_id
        ):
            yield item.line
        return
    stream = get_blob_store().open(segment.blob.object_key)
    if stream is None:
        logger.error("replay_segment_blob_missing", extra={"blob_id": segment.blob.pk})
        return
    try:
        yield from blob_lines(stream.chunks)
    finally:
        stream.close()


def _started(opening: bytes, body: Iterator[bytes]) -> Iterator[bytes]:
    """``opening`` joined to the body's first chunk, so the first chunk comes after the first
    read of storage (see the module docstring), then the rest."""
    first = next(body, b"")
    yield opening + first
    yield from body


def replay_segments_chunks(
    *, recording: SessionRecording, segments: Sequence[ReplaySegmentRef]
) -> Iterator[bytes]:
    """The JSON array of the segments' event arrays, in the order given."""
    if not segments:
        return iter([EMPTY])
    sentry = segments[0].sentry
    body = _sentry_chunks(recording, segments) if sentry else _posthog_joined(recording, segments)
    return _started(b"[", _closed(body))


def _posthog_joined(recording: SessionRecording, segments: Sequence[ReplaySegmentRef]) -> Iterator[bytes]:
    for index, segment in enumerate(segments):
        if index:
            yield b","
        yield from _line_events(_posthog_lines(recording, segment))


def _closed(body: Iterator[bytes]) -> Iterator[bytes]:
    yield from body
    yield b"]"


def replay_segment_chunks(*, recording: SessionRecording, segment: ReplaySegmentRef) -> Iterator[bytes]:
    """One segment's events: as sent (Sentry), or its lines' events joined (posthog-js)."""
    if segment.sentry:
        return _started(b"", _sentry_chunks(recording, [segment]))
    return _started(b"", _line_events(_posthog_lines(recording, segment)))

"""The snapshot blob format: gzip of JSONL, one ``{"window_id", "data": [rrweb events]}`` per line.

A blob holds exactly the live buffer lines it was flushed from, in score order, each followed by
``\\n``. Encoding is deterministic (gzip header mtime 0, fixed level), so a retried flush of the
same lines produces the same bytes under the same key.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import orjson

from snapshots.live_buffer.base import BufferedLine

GZIP_LEVEL = 6
_GZIP_WBITS = 16 + zlib.MAX_WBITS
MAX_OUTPUT_CHUNK = 256 * 1024


@dataclass(frozen=True)
class BlobPayload:
    data: bytes  # gzip bytes as stored
    first_ms: int  # the first event's time (the first line's score)
    last_ms: int  # the last event's time, whichever line holds it
    uncompressed_size: int
    line_count: int
    event_count: int


def _events_of(line: BufferedLine) -> tuple[int, int]:
    """(how many events the line holds, its last event's time; its score if it has none)."""
    try:
        parsed = orjson.loads(line.line)
    except orjson.JSONDecodeError:
        return 0, line.score
    data = parsed.get("data") if isinstance(parsed, dict) else None
    if not isinstance(data, list):
        return 0, line.score
    times = [
        int(event["timestamp"])
        for event in data
        if isinstance(event, dict) and isinstance(event.get("timestamp"), int | float)
    ]
    return len(data), max(times, default=line.score)


def _gzip(raw: bytes) -> bytes:
    # gzip.compress(mtime=0) equivalent, spelled out so the header bytes are fixed by this module.
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
    return compressor.compress(raw) + compressor.flush()


def blob_encode(lines: Sequence[BufferedLine]) -> BlobPayload:
    """The blob for ``lines`` (non-empty, any order: they are written in score order)."""
    if not lines:
        raise ValueError("a blob needs at least one line")
    ordered = sorted(lines, key=lambda item: (item.score, item.line))
    raw = "".join(f"{item.line}\n" for item in ordered).encode("utf-8")
    events = [_events_of(item) for item in ordered]
    return BlobPayload(
        data=_gzip(raw),
        first_ms=ordered[0].score,
        last_ms=max(last for _, last in events),
        uncompressed_size=len(raw),
        line_count=len(ordered),
        event_count=sum(count for count, _ in events),
    )


def gunzip_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Decompress a gzip stream chunk by chunk (memory stays bounded by the chunk size).

    Raises ``zlib.error`` on corrupt data.
    """
    decompressor = zlib.decompressobj(_GZIP_WBITS)
    for chunk in chunks:
        pending = chunk
        while pending:  # bounded output per step: a highly compressible chunk cannot balloon
            out = decompressor.decompress(pending, MAX_OUTPUT_CHUNK)
            if out:
                yield out
            pending = decompressor.unconsumed_tail
    tail = decompressor.flush()
    if tail:
        yield tail


def blob_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The JSONL lines of a stored blob, streamed."""
    pending = b""
    for piece in gunzip_chunks(chunks):
        pending += piece
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if line:
                yield line.decode("utf-8")
    if pending:
        yield pending.decode("utf-8")

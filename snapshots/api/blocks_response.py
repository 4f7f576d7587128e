"""``source=blob_v2`` and ``source=blob_v2_lts`` responses: PostHog's v2 encodings, streamed.

- ``blob_v2`` with ``decompress=true``: the blocks' v2 JSONL (``[window_id, event]`` lines)
  concatenated, the final newline stripped (as PostHog does), ``application/jsonl``.
- ``blob_v2`` with ``decompress=false``: for each block, a 4-byte big-endian length and that many
  bytes of raw snappy, ``application/octet-stream``.
- ``blob_v2_lts``: the long-term copy, decoded (``application/jsonl``) or its stored raw snappy
  bytes as they are (``application/octet-stream``).

Blocks are converted one at a time while streaming: memory stays bounded by one block (a flushed
blob is at most ``LIVE_BUFFER_FLUSH_MAX_BYTES`` of JSONL), whatever the recording's size.
Caching: ``private, max-age=3600`` for flushed blocks, ``no-store`` when the live block is
included, ``private, max-age=86400`` for the long-term copy; no ETag (as PostHog).

Failures before the first byte are clean errors: object storage or the live buffer down → 503,
a blob row without its object → 404, stored data that does not decode → 500. After the first
byte they raise out of the body, so the server aborts the connection (chunked transfer never
ends cleanly): a client never takes a cut recording for a complete one.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponseBase, StreamingHttpResponse
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from recordings.models import SessionRecording
from recordings_api.errors import ServiceUnavailable
from snapshots.api import blob_http
from snapshots.api.blob_response import STORAGE_DOWN, BlobInconsistent
from snapshots.blocks import SnapshotBlock, snapshot_blocks_list
from snapshots.live_buffer import LiveBufferUnavailable
from snapshots.models import RecordingLongTermCopy
from snapshots.selectors import snapshot_blob_open, snapshot_long_term_open, snapshot_realtime_lines
from snapshots.storage import ObjectStream, StorageUnavailable
from snapshots.storage.block_format import (
    framed_block,
    lts_decoded_chunks,
    v2_chunks_from_gzip,
    v2_jsonl_from_lines,
)

logger = logging.getLogger(__name__)

JSONL = "application/jsonl"
BINARY = "application/octet-stream"
BLOCKS_CACHE_CONTROL = "private, max-age=3600"
LONG_TERM_CACHE_CONTROL = "private, max-age=86400"
BUFFER_DOWN = (
    "The live buffer is unavailable; the recording's recent data could not be read. Try again shortly."
)


class BlockMissing(Exception):
    """A blob row whose object is not in object storage."""


class _BlockChunks:
    """The chosen blocks' bytes in one encoding; ``close`` releases the open storage stream."""

    def __init__(self, recording: SessionRecording, blocks: list[SnapshotBlock], *, decompress: bool) -> None:
        self.recording = recording
        self.blocks = blocks
        self.decompress = decompress
        self._stream: ObjectStream | None = None

    def __iter__(self) -> Iterator[bytes]:
        chunks = (piece for block in self.blocks for piece in self._block(block))
        return _final_newline_stripped(chunks) if self.decompress else chunks

    def _block(self, block: SnapshotBlock) -> Iterator[bytes]:
        plain = self._plain(block)
        if self.decompress:
            yield from plain
        else:
            yield framed_block(b"".join(plain))

    def _plain(self, block: SnapshotBlock) -> Iterator[bytes]:
        if block.blob is None:
            lines = snapshot_realtime_lines(recording=self.recording)
            return iter([v2_jsonl_from_lines(item.line for item in lines)])
        self.close()
        stream = snapshot_blob_open(blob=block.blob)
        if stream is None:
            raise BlockMissing(f"block {block.index} ({block.blob.blob_key})")
        self._stream = stream
        return v2_chunks_from_gzip(stream.chunks)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _final_newline_stripped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    previous: bytes | None = None
    for chunk in chunks:
        if previous:
            yield previous
        previous = chunk
    if previous:
        stripped = previous.rstrip(b"\n")
        if stripped:
            yield stripped


def blocks_response(
    request: Request, recording: SessionRecording, *, start: int, end: int, decompress: bool
) -> HttpResponseBase:
    """Blocks ``start`` … ``end`` (inclusive) of ``recording``; see the module docstring."""
    try:
        listing = snapshot_blocks_list(recording=recording)
    except LiveBufferUnavailable as error:
        raise ServiceUnavailable(BUFFER_DOWN) from error
    if not listing.blocks:
        raise NotFound("Session recording not found")
    if end >= len(listing.blocks):
        raise NotFound("Block index out of range")
    chosen = listing.blocks[start : end + 1]
    chunks = _BlockChunks(recording, chosen, decompress=decompress)
    response = _streamed(request, recording, iter(chunks), close=chunks.close, decompress=decompress)
    response["Cache-Control"] = "no-store" if chosen[-1].is_live else BLOCKS_CACHE_CONTROL
    return response


def long_term_response(
    request: Request, recording: SessionRecording, copy: RecordingLongTermCopy, *, decompress: bool
) -> HttpResponseBase:
    """The long-term copy, decoded or as stored; see the module docstring."""
    try:
        stream = snapshot_long_term_open(copy=copy)
    except StorageUnavailable as error:
        raise ServiceUnavailable(STORAGE_DOWN) from error
    if stream is None:
        logger.error("snapshot_long_term_copy_missing", extra={"session_id": copy.session_id})
        raise NotFound("Snapshot file not found")
    chunks = lts_decoded_chunks(stream.chunks, copy.segments) if decompress else stream.chunks
    response = _streamed(request, recording, chunks, close=stream.close, decompress=decompress)
    response["Cache-Control"] = LONG_TERM_CACHE_CONTROL
    return response


def _streamed(
    request: Request,
    recording: SessionRecording,
    chunks: Iterator[bytes],
    *,
    close: Callable[[], None],
    decompress: bool,
) -> StreamingHttpResponse:
    body = _prefetched(recording, chunks, close=close)
    content = blob_http.AsyncBody(body) if isinstance(request._request, ASGIRequest) else body
    response = StreamingHttpResponse(content, content_type=JSONL if decompress else BINARY)
    response["Content-Disposition"] = "inline"
    return response


def _prefetched(
    recording: SessionRecording, chunks: Iterator[bytes], *, close: Callable[[], None]
) -> blob_http.PrefetchedBody:
    """The body with its first chunk read: failures up to there become error responses."""
    fields: dict[str, object] = {
        "environment_id": recording.environment_id,
        "session_id": recording.session_id,
    }

    def aborted(error: Exception) -> None:
        logger.warning(
            "snapshot_blocks_stream_aborted", extra={**fields, "error": f"{type(error).__name__}: {error}"}
        )

    try:
        return blob_http.PrefetchedBody(chunks, close=close, on_error=aborted)
    except StorageUnavailable as error:
        close()
        raise ServiceUnavailable(STORAGE_DOWN) from error
    except LiveBufferUnavailable as error:
        close()
        raise ServiceUnavailable(BUFFER_DOWN) from error
    except BlockMissing as error:
        close()
        logger.error("snapshot_blob_missing", extra={**fields, "block": str(error)})
        raise NotFound("Snapshot file not found") from error
    except (zlib.error, ValueError) as error:
        close()
        logger.error("snapshot_blocks_inconsistent", extra={**fields, "error": str(error)})
        raise BlobInconsistent() from error

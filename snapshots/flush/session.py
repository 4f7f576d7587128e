"""One session's flush: write its buffered lines as one blob, then trim exactly those lines.

The order and the crash-safety invariants are described in ``snapshots.flush``. Everything here
works on one session under its lock; choosing which sessions are due is ``scheduling``'s job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal

from django.core.cache import cache

from recordings.models import DeletedRecording
from recordings_api.coordination import coordination_key
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime
from snapshots.live_buffer import BufferedLine, LiveBuffer, get_live_buffer
from snapshots.models import RecordingBlob
from snapshots.storage import BlobStore, blob_key_format, blob_object_key, get_blob_store
from snapshots.storage.blob_format import BlobPayload, blob_encode, blob_lines

logger = logging.getLogger("snapshots.flush")

LOCK_TIMEOUT_SECONDS = 300

FlushStatus = Literal["flushed", "empty", "dropped", "locked", "failed"]


@dataclass(frozen=True)
class FlushOutcome:
    environment_id: int
    session_id: str
    status: FlushStatus
    blob_key: str | None = None
    line_count: int = 0
    error: str | None = None


def _holds_exactly(store: BlobStore, key: str, data: bytes) -> bool:
    stream = store.open(key)
    if stream is None:
        return False
    try:
        return b"".join(stream.chunks) == data
    finally:
        stream.close()


def _blob_key_choose(
    *, environment_id: int, session_id: str, payload: BlobPayload, store: BlobStore
) -> tuple[int, RecordingBlob | None]:
    """The last ms of the key to write, and the row already recording exactly this payload.

    ``first-last`` is the natural key; a key recorded with other bytes (late lines inside an
    old range) is never overwritten: ``last`` is bumped until the key is free or holds the same
    bytes (a retried flush). Comparing bytes only happens on such collisions.
    """
    recorded = {
        blob.blob_key: blob
        for blob in RecordingBlob.objects.filter(
            environment_id=environment_id, session_id=session_id, blob_key__startswith=f"{payload.first_ms}-"
        )
    }
    last_ms = payload.last_ms
    while (blob := recorded.get(blob_key_format(first_ms=payload.first_ms, last_ms=last_ms))) is not None:
        if blob.size_bytes == len(payload.data) and _holds_exactly(store, blob.object_key, payload.data):
            return last_ms, blob
        last_ms += 1
    return last_ms, None


def blob_write(
    *, environment_id: int, session_id: str, lines: Sequence[BufferedLine], store: BlobStore | None = None
) -> RecordingBlob:
    """Step 2: store ``lines`` as one blob and record it (idempotent for the same lines).

    Raises ``StorageUnavailable``.
    """
    store = store or get_blob_store()
    payload = blob_encode(lines)
    last_ms, existing = _blob_key_choose(
        environment_id=environment_id, session_id=session_id, payload=payload, store=store
    )
    if existing is not None:
        return existing
    blob_key = blob_key_format(first_ms=payload.first_ms, last_ms=last_ms)
    key = blob_object_key(environment_id=environment_id, session_id=session_id, blob_key=blob_key)
    stored = store.put(key, payload.data, content_type="application/json", content_encoding="gzip")
    blob, _ = RecordingBlob.objects.get_or_create(
        environment_id=environment_id,
        session_id=session_id,
        blob_key=blob_key,
        defaults={
            "start_timestamp": ms_to_datetime(payload.first_ms),
            "end_timestamp": ms_to_datetime(last_ms),
            "size_bytes": stored.size,
            "uncompressed_size_bytes": payload.uncompressed_size,
            "line_count": payload.line_count,
            "event_count": payload.event_count,
            "etag": stored.etag,
        },
    )
    return blob


def _already_stored(
    *, environment_id: int, session_id: str, lines: Sequence[BufferedLine], store: BlobStore
) -> set[str]:
    """The subset of ``lines`` present in recorded blobs whose range overlaps theirs."""
    first = ms_to_datetime(min(item.score for item in lines))
    last = ms_to_datetime(max(item.score for item in lines))
    overlapping = RecordingBlob.objects.filter(
        environment_id=environment_id,
        session_id=session_id,
        start_timestamp__lte=last,
        end_timestamp__gte=first,
    )
    wanted = {item.line for item in lines}
    found: set[str] = set()
    for blob in overlapping:
        stream = store.open(blob.object_key)
        if stream is None:
            continue
        try:
            found.update(line for line in blob_lines(stream.chunks) if line in wanted)
        finally:
            stream.close()
    return found


@contextmanager
def _session_lock(environment_id: int, session_id: str) -> Iterator[bool]:
    lock_key = coordination_key("flush-lock", environment_id, session_id)
    token = uuid.uuid4().hex
    acquired = cache.add(lock_key, token, timeout=LOCK_TIMEOUT_SECONDS)
    try:
        yield acquired
    finally:
        if acquired and cache.get(lock_key) == token:
            cache.delete(lock_key)


def _session_is_gone(environment_id: int, session_id: str) -> bool:
    deleted = DeletedRecording.objects.filter(environment_id=environment_id, session_id=session_id)
    return deleted.exists() or not Environment.objects.filter(id=environment_id).exists()


def _drop_already_stored(
    *, environment_id: int, session_id: str, lines: list[BufferedLine], buffer: LiveBuffer, store: BlobStore
) -> list[BufferedLine]:
    """Trim lines an earlier, interrupted flush already stored; returns the lines still to write."""
    stored = _already_stored(environment_id=environment_id, session_id=session_id, lines=lines, store=store)
    if not stored:
        return lines
    done = [item for item in lines if item.line in stored]
    buffer.remove(environment_id=environment_id, session_id=session_id, lines=done)
    logger.info(
        "snapshot_flush_recovered",
        extra={"environment_id": environment_id, "session_id": session_id, "lines": len(done)},
    )
    return [item for item in lines if item.line not in stored]


def _flush_locked(*, environment_id: int, session_id: str, buffer: LiveBuffer) -> FlushOutcome:
    outcome = FlushOutcome(environment_id=environment_id, session_id=session_id, status="empty")
    if _session_is_gone(environment_id, session_id):
        buffer.delete_session(environment_id=environment_id, session_id=session_id)
        return replace(outcome, status="dropped")
    lines = buffer.read(environment_id=environment_id, session_id=session_id)
    if not lines:
        buffer.delete_session(environment_id=environment_id, session_id=session_id)  # a stale index entry
        return outcome
    store = get_blob_store()
    lines = _drop_already_stored(
        environment_id=environment_id, session_id=session_id, lines=lines, buffer=buffer, store=store
    )
    if not lines:
        return outcome
    blob = blob_write(environment_id=environment_id, session_id=session_id, lines=lines, store=store)
    buffer.remove(environment_id=environment_id, session_id=session_id, lines=lines)
    logger.info(
        "snapshot_flush_done",
        extra={
            "environment_id": environment_id,
            "session_id": session_id,
            "blob_key": blob.blob_key,
            "lines": len(lines),
            "size_bytes": blob.size_bytes,
        },
    )
    return replace(outcome, status="flushed", blob_key=blob.blob_key, line_count=len(lines))


def session_buffer_flush(*, environment_id: int, session_id: str) -> FlushOutcome:
    """Flush one session's buffer now, whatever its age.

    Raises ``StorageUnavailable`` / ``LiveBufferUnavailable``; the buffer is then untouched or
    holds lines a retry handles as described in the module docstring.
    """
    with _session_lock(environment_id, session_id) as acquired:
        if not acquired:
            return FlushOutcome(environment_id=environment_id, session_id=session_id, status="locked")
        return _flush_locked(environment_id=environment_id, session_id=session_id, buffer=get_live_buffer())

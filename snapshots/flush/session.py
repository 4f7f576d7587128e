"""Flushing sessions: each buffer becomes one blob, then exactly its lines leave the buffer.

The order and the crash-safety invariants are described in ``snapshots.flush``. With a Redis
buffer, sessions are read, encoded and uploaded ``LIVE_BUFFER_FLUSH_CONCURRENCY`` at a time
(gzip and the uploads release the GIL); the database buffer is flushed one session at a time,
in the caller's connection. A batch of sessions costs a constant number of database statements:
which sessions are gone (deleted, or their environment is) and every recorded blob of the batch
are read up front, the new rows are inserted together, and only then are the written lines
removed from the buffer. Each session is flushed under its own lock, so two flushers never race
on one; a failure of one session (storage or buffer down) leaves the others flushed and it in a
state a retry finishes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import partial
from typing import Literal

from django.conf import settings
from django.core.cache import cache

from recordings.conditions import session_keys_condition
from recordings.models import DeletedRecording
from recordings_api.coordination import coordination_key
from recordings_api.models import Environment
from snapshots.flush.blobs import BlobWritten, blob_put, lines_already_stored
from snapshots.live_buffer import BufferedLine, LiveBuffer, LiveBufferUnavailable, SessionRef, get_live_buffer
from snapshots.live_buffer.redis_buffer import RedisLiveBuffer
from snapshots.models import RecordingBlob
from snapshots.storage import BlobStore, StorageUnavailable, get_blob_store

logger = logging.getLogger("snapshots.flush")

LOCK_TIMEOUT_SECONDS = 300
BATCH_SIZE = 100

FlushStatus = Literal["flushed", "empty", "dropped", "locked", "failed"]


@dataclass(frozen=True)
class FlushOutcome:
    environment_id: int
    session_id: str
    status: FlushStatus
    blob_key: str | None = None
    line_count: int = 0
    error: str | None = None


class _Locks:
    """The flush locks of one chunk of sessions: taken one by one, released together (only the
    ones still ours: a lock that expired and was taken by another flusher is left alone)."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self.held: list[str] = []

    def take(self, ref: SessionRef) -> bool:
        key = coordination_key("flush-lock", ref.environment_id, ref.session_id)
        if cache.add(key, self.token, timeout=LOCK_TIMEOUT_SECONDS):
            self.held.append(key)
            return True
        return False

    def release(self) -> None:
        if self.held:
            ours = [key for key, token in cache.get_many(self.held).items() if token == self.token]
            cache.delete_many(ours)
            self.held = []


@contextmanager
def _chunk_locks() -> Iterator[_Locks]:
    locks = _Locks()
    try:
        yield locks
    finally:
        locks.release()


@dataclass
class _Batch:
    gone: set[tuple[int, str]]
    recorded: dict[tuple[int, str], dict[str, RecordingBlob]]


def _batch_read(refs: Sequence[SessionRef]) -> _Batch:
    keys = [(ref.environment_id, ref.session_id) for ref in refs]
    condition = session_keys_condition(keys)
    gone = set(DeletedRecording.objects.filter(condition).values_list("environment_id", "session_id"))
    alive = set(Environment.objects.filter(id__in={key[0] for key in keys}).values_list("id", flat=True))
    gone |= {key for key in keys if key[0] not in alive}
    recorded: dict[tuple[int, str], dict[str, RecordingBlob]] = {key: {} for key in keys}
    for row in RecordingBlob.objects.filter(condition):
        recorded[(row.environment_id, row.session_id)][row.blob_key] = row
    return _Batch(gone=gone, recorded=recorded)


@dataclass
class _Pending:
    outcome: FlushOutcome
    lines: list[BufferedLine]
    written: BlobWritten


def _lines_to_write(
    ref: SessionRef,
    lines: list[BufferedLine],
    recorded: dict[str, RecordingBlob],
    buffer: LiveBuffer,
    store: BlobStore,
) -> list[BufferedLine]:
    """Trim lines an interrupted flush already stored; returns the lines still to write."""
    stored = (
        lines_already_stored(lines=lines, blobs=list(recorded.values()), store=store) if recorded else set()
    )
    if not stored:
        return lines
    done = [item for item in lines if item.line in stored]
    buffer.remove(environment_id=ref.environment_id, session_id=ref.session_id, lines=done)
    logger.info(
        "snapshot_flush_recovered",
        extra={"environment_id": ref.environment_id, "session_id": ref.session_id, "lines": len(done)},
    )
    return [item for item in lines if item.line not in stored]


def _flush_one(
    ref: SessionRef, batch: _Batch, buffer: LiveBuffer, store: BlobStore
) -> FlushOutcome | _Pending:
    outcome = FlushOutcome(environment_id=ref.environment_id, session_id=ref.session_id, status="empty")
    key = (ref.environment_id, ref.session_id)
    if key in batch.gone:
        buffer.delete_session(environment_id=ref.environment_id, session_id=ref.session_id)
        return replace(outcome, status="dropped")
    lines = buffer.read(environment_id=ref.environment_id, session_id=ref.session_id)
    if not lines:
        buffer.delete_session(
            environment_id=ref.environment_id, session_id=ref.session_id
        )  # a stale index entry
        return outcome
    lines = _lines_to_write(ref, lines, batch.recorded[key], buffer, store)
    if not lines:
        return outcome
    written = blob_put(
        environment_id=ref.environment_id,
        session_id=ref.session_id,
        lines=lines,
        recorded=batch.recorded[key],
        store=store,
    )
    flushed = replace(outcome, status="flushed", blob_key=written.row.blob_key, line_count=len(lines))
    return _Pending(flushed, lines, written)


def _failed(ref: SessionRef, error: Exception) -> FlushOutcome:
    extra = {"environment_id": ref.environment_id, "session_id": ref.session_id, "error": str(error)}
    logger.warning("snapshot_flush_failed", extra=extra)
    return FlushOutcome(ref.environment_id, ref.session_id, status="failed", error=str(error))


def _finish(pending: list[_Pending], buffer: LiveBuffer) -> list[FlushOutcome]:
    """Record the new rows (one statement), then trim exactly the lines each blob holds."""
    RecordingBlob.objects.bulk_create(
        [item.written.row for item in pending if not item.written.recorded],
        ignore_conflicts=True,
        batch_size=500,
    )
    outcomes = []
    for item in pending:
        ref = SessionRef(item.outcome.environment_id, item.outcome.session_id)
        try:
            buffer.remove(environment_id=ref.environment_id, session_id=ref.session_id, lines=item.lines)
        except LiveBufferUnavailable as error:  # the blob is recorded; the next flush trims the lines
            outcomes.append(_failed(ref, error))
            continue
        row = item.written.row
        logger.info(
            "snapshot_flush_done",
            extra={
                "environment_id": ref.environment_id,
                "session_id": ref.session_id,
                "blob_key": row.blob_key,
                "lines": len(item.lines),
                "size_bytes": row.size_bytes,
            },
        )
        outcomes.append(item.outcome)
    return outcomes


def sessions_flush(refs: Sequence[SessionRef]) -> list[FlushOutcome]:
    """Flush these sessions now, whatever their age; one outcome per session, in order.

    A session that cannot be flushed (storage or buffer down) is ``failed`` and untouched or in
    a state its next flush finishes; the others are flushed.
    """
    buffer, store = get_live_buffer(), get_blob_store()
    concurrency = int(settings.LIVE_BUFFER_FLUSH_CONCURRENCY) if isinstance(buffer, RedisLiveBuffer) else 1
    outcomes: dict[SessionRef, FlushOutcome] = {}
    with ThreadPoolExecutor(max_workers=concurrency) if concurrency > 1 else nullcontext() as pool:
        for start in range(0, len(refs), BATCH_SIZE):
            outcomes.update(_chunk_flush(refs[start : start + BATCH_SIZE], buffer, store, pool))
    return [outcomes[ref] for ref in refs]


def _flush_guarded(
    ref: SessionRef, batch: _Batch, buffer: LiveBuffer, store: BlobStore
) -> FlushOutcome | _Pending:
    try:
        return _flush_one(ref, batch, buffer, store)
    except (StorageUnavailable, LiveBufferUnavailable) as error:
        return _failed(ref, error)


def _chunk_flush(
    chunk: Sequence[SessionRef], buffer: LiveBuffer, store: BlobStore, pool: ThreadPoolExecutor | None
) -> dict[SessionRef, FlushOutcome]:
    """One chunk: database reads up front, the sessions' reads, encodings and uploads in
    parallel (no database work in them), then the rows and the trims."""
    batch = _batch_read(chunk)
    outcomes: dict[SessionRef, FlushOutcome] = {}
    with _chunk_locks() as locks:
        mine = []
        for ref in chunk:
            if locks.take(ref):
                mine.append(ref)
            else:
                outcomes[ref] = FlushOutcome(ref.environment_id, ref.session_id, status="locked")
        pending: list[_Pending] = []
        flush = partial(_flush_guarded, batch=batch, buffer=buffer, store=store)
        results = pool.map(flush, mine) if pool is not None else map(flush, mine)
        for ref, result in zip(mine, results, strict=True):
            if isinstance(result, _Pending):
                pending.append(result)
            else:
                outcomes[ref] = result
        for outcome in _finish(pending, buffer):
            outcomes[SessionRef(outcome.environment_id, outcome.session_id)] = outcome
    return outcomes


def session_buffer_flush(*, environment_id: int, session_id: str) -> FlushOutcome:
    """Flush one session's buffer now, whatever its age (a failure is a ``failed`` outcome)."""
    return sessions_flush([SessionRef(environment_id, session_id)])[0]

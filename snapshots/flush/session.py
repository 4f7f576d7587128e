"""Flushing sessions: each buffer becomes one blob, then exactly its lines leave the buffer.

The order and the crash-safety invariants are described in ``snapshots.flush``. A batch of
sessions costs a constant number of database statements: which sessions are gone (deleted, or
their environment is) and every recorded blob of the batch are read up front, the new rows are
inserted together, and only then are the written lines removed from the buffer. Each session is
flushed under its own lock, so two flushers never race on one; a failure of one session
(storage or buffer down) leaves the others flushed and it in a state a retry finishes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Literal

from django.core.cache import cache

from recordings.conditions import session_keys_condition
from recordings.models import DeletedRecording
from recordings_api.coordination import coordination_key
from recordings_api.models import Environment
from snapshots.flush.blobs import BlobWritten, blob_put, lines_already_stored
from snapshots.live_buffer import BufferedLine, LiveBuffer, LiveBufferUnavailable, SessionRef, get_live_buffer
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


@contextmanager
def _session_lock(ref: SessionRef) -> Iterator[bool]:
    lock_key = coordination_key("flush-lock", ref.environment_id, ref.session_id)
    token = uuid.uuid4().hex
    acquired = cache.add(lock_key, token, timeout=LOCK_TIMEOUT_SECONDS)
    try:
        yield acquired
    finally:
        if acquired and cache.get(lock_key) == token:
            cache.delete(lock_key)


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
    outcomes: dict[SessionRef, FlushOutcome] = {}
    for start in range(0, len(refs), BATCH_SIZE):
        chunk = refs[start : start + BATCH_SIZE]
        batch = _batch_read(chunk)
        pending: list[_Pending] = []
        with ExitStack() as locks:
            for ref in chunk:
                if not locks.enter_context(_session_lock(ref)):
                    outcomes[ref] = FlushOutcome(ref.environment_id, ref.session_id, status="locked")
                    continue
                try:
                    result = _flush_one(ref, batch, buffer, store)
                except (StorageUnavailable, LiveBufferUnavailable) as error:
                    outcomes[ref] = _failed(ref, error)
                    continue
                if isinstance(result, _Pending):
                    pending.append(result)
                else:
                    outcomes[ref] = result
            for outcome in _finish(pending, buffer):
                outcomes[SessionRef(outcome.environment_id, outcome.session_id)] = outcome
    return [outcomes[ref] for ref in refs]


def session_buffer_flush(*, environment_id: int, session_id: str) -> FlushOutcome:
    """Flush one session's buffer now, whatever its age (a failure is a ``failed`` outcome)."""
    return sessions_flush([SessionRef(environment_id, session_id)])[0]

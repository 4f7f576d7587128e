"""Flushing live buffers to object storage.

A session's buffer is flushed when it is idle (no append for ``LIVE_BUFFER_FLUSH_IDLE_SECONDS``),
large (``LIVE_BUFFER_FLUSH_MAX_BYTES``) or old (first unflushed append older than
``LIVE_BUFFER_FLUSH_AGE_SECONDS``). One flush of one session, in this order:

1. read the buffered lines; drop (and trim) any line already stored in an existing blob of the
   session whose time range overlaps them (recovery from a crash after step 3);
2. ``blob_write``: write one gzip JSONL object at ``blob_object_key(first_ms, last_ms)``, then
   ``get_or_create`` its ``RecordingBlob`` row;
3. ``buffer_trim``: remove exactly the lines written.

Invariants: the API lists only ``RecordingBlob`` rows, so a crash after 2's object write but
before its row leaves an unreferenced object that a later flush overwrites or that session
deletion removes; a crash before 3 makes the next flush find those lines in the blob and trim
them, so no line is lost and none is listed twice. Encoding is deterministic, so a retried flush
rewrites the same key with the same bytes. A key already recorded with other lines (late lines
inside an old range) is never overwritten: the new blob's last ms is bumped until the key is
free. Sessions are flushed under a per-session cache lock, so two flushers never race.
Tombstoned sessions (``DeletedRecording``) and sessions of deleted environments are not
flushed: their buffer is dropped.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections

from recordings.models import DeletedRecording
from recordings_api.models import Environment
from snapshots.live_buffer import (
    BufferedLine,
    BufferStats,
    LiveBuffer,
    LiveBufferUnavailable,
    SessionRef,
    get_live_buffer,
)
from snapshots.models import RecordingBlob
from snapshots.storage import BlobStore, StorageUnavailable, blob_object_key, get_blob_store
from snapshots.storage.blob_format import BlobPayload, blob_encode, blob_lines

logger = logging.getLogger(__name__)

FLUSH_CHECK_INTERVAL_SECONDS = 5
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms_to_datetime(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def flush_is_due(stats: BufferStats, *, now_ms: int) -> bool:
    """The idle / size / age rule for one session's buffer."""
    if stats.line_count == 0:
        return True  # nothing to write; flushing clears the stale index entry
    if stats.size_bytes >= settings.LIVE_BUFFER_FLUSH_MAX_BYTES:
        return True
    if stats.last_appended_ms is None or stats.first_appended_ms is None:
        return True
    idle = now_ms - stats.last_appended_ms >= settings.LIVE_BUFFER_FLUSH_IDLE_SECONDS * 1000
    old = now_ms - stats.first_appended_ms >= settings.LIVE_BUFFER_FLUSH_AGE_SECONDS * 1000
    return idle or old


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
    while (blob := recorded.get(f"{payload.first_ms}-{last_ms}")) is not None:
        if blob.size_bytes == len(payload.data) and _holds_exactly(
            store, recording_blob_object_key(blob), payload.data
        ):
            return last_ms, blob
        last_ms += 1
    return last_ms, None


def recording_blob_object_key(blob: RecordingBlob) -> str:
    """The object key of a recorded blob (its ``blob_key`` is ``{first_ms}-{last_ms}``)."""
    first_ms, last_ms = (int(part) for part in blob.blob_key.split("-"))
    return blob_object_key(
        environment_id=blob.environment_id, session_id=blob.session_id, first_ms=first_ms, last_ms=last_ms
    )


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
    blob_key = f"{payload.first_ms}-{last_ms}"
    key = blob_object_key(
        environment_id=environment_id, session_id=session_id, first_ms=payload.first_ms, last_ms=last_ms
    )
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


def buffer_trim(*, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
    """Step 3: remove exactly the written lines; lines appended meanwhile stay."""
    get_live_buffer().remove(environment_id=environment_id, session_id=session_id, lines=lines)


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
        stream = store.open(recording_blob_object_key(blob))
        if stream is None:
            continue
        try:
            found.update(line for line in blob_lines(stream.chunks) if line in wanted)
        finally:
            stream.close()
    return found


@contextmanager
def _session_lock(environment_id: int, session_id: str) -> Iterator[bool]:
    lock_key = f"snapshots:flush-lock:{environment_id}:{session_id}"
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


def live_buffers_flush_due(*, now_ms: int | None = None, force: bool = False) -> list[FlushOutcome]:
    """Flush every due session (every session with ``force``); one failure does not stop the rest.

    Raises ``LiveBufferUnavailable`` only when the buffer cannot even be listed.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    buffer = get_live_buffer()
    purge_expired = getattr(buffer, "purge_expired", None)
    if purge_expired is not None:
        purge_expired()
    outcomes = []
    for ref, stats in buffer.sessions_stats().items():
        if force or flush_is_due(stats, now_ms=now_ms):
            outcomes.append(_flush_reporting_failure(ref))
    return outcomes


def _flush_reporting_failure(ref: SessionRef) -> FlushOutcome:
    try:
        return session_buffer_flush(environment_id=ref.environment_id, session_id=ref.session_id)
    except (StorageUnavailable, LiveBufferUnavailable) as error:
        extra = {"environment_id": ref.environment_id, "session_id": ref.session_id, "error": str(error)}
        logger.warning("snapshot_flush_failed", extra=extra)
        return FlushOutcome(ref.environment_id, ref.session_id, status="failed", error=str(error))


def flush_check_run(
    *, min_interval_seconds: int = FLUSH_CHECK_INTERVAL_SECONDS - 1
) -> list[FlushOutcome] | None:
    """One rate-limited check: flush due sessions unless some process checked less than
    ``min_interval_seconds`` ago (a cache key shared by every process is the limit).

    Returns None when skipped. Raises ``LiveBufferUnavailable`` when the buffer cannot be listed.
    """
    if not cache.add("snapshots:flush-check", 1, timeout=max(1, min_interval_seconds)):
        return None
    return live_buffers_flush_due()


class EmbeddedFlusher:
    """The flusher of embedded mode (no Celery broker, no beat): a daemon thread of this process.

    It runs ``flush_check_run`` at start and then every ``interval_seconds``, so a session that
    goes idle is flushed even when no request ever arrives again. Failures are logged and the
    loop goes on (the data stays buffered and is retried next round). Several processes (e.g.
    gunicorn workers) each run one; the shared rate limit and the per-session flush locks keep
    them from doing the same work twice. The thread closes its database connections after every
    round, so it never holds a SQLite lock or a stale PostgreSQL connection between rounds.
    """

    def __init__(self, *, interval_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshots-embedded-flusher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            while True:
                try:
                    # The limit expires a little before this flusher's next round.
                    flush_check_run(min_interval_seconds=math.ceil(self.interval_seconds) - 1)
                except Exception:  # a daemon must survive any round's failure
                    logger.exception("snapshot_embedded_flush_failed")
                finally:
                    close_old_connections()
                if self._stop.wait(self.interval_seconds):
                    return
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)


_embedded_flusher: EmbeddedFlusher | None = None
_embedded_flusher_lock = threading.Lock()


def embedded_flusher_ensure_started() -> EmbeddedFlusher:
    """This process's ``EmbeddedFlusher``, started on first call (and restarted if it died)."""
    global _embedded_flusher
    with _embedded_flusher_lock:
        if _embedded_flusher is None or not _embedded_flusher.is_alive():
            _embedded_flusher = EmbeddedFlusher(interval_seconds=FLUSH_CHECK_INTERVAL_SECONDS)
            _embedded_flusher.start()
            logger.info("snapshot_embedded_flusher_started", extra={"pid": os.getpid()})
        return _embedded_flusher


def flush_check_schedule() -> None:
    """Called by ingestion after every capture that buffered snapshot lines.

    With a broker (``CELERY_TASK_ALWAYS_EAGER`` off) it does nothing: the beat schedule runs
    ``flush_due_live_buffers`` every 15 s. In embedded mode (tasks run in-process) it makes sure
    this process's ``EmbeddedFlusher`` runs, so ``make run`` flushes idle sessions without any
    daemon and without slowing the capture request. Under ``TESTING`` no thread is started
    (it would flush other tests' buffers); tests drive ``EmbeddedFlusher`` themselves.
    """
    if not settings.CELERY_TASK_ALWAYS_EAGER or settings.TESTING:
        return
    embedded_flusher_ensure_started()

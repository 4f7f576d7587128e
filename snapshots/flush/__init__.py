"""Flushing live buffers to object storage.

A session's buffer is flushed when it is idle (no append for ``LIVE_BUFFER_FLUSH_IDLE_SECONDS``),
large (``LIVE_BUFFER_FLUSH_MAX_BYTES``) or old (first unflushed append older than
``LIVE_BUFFER_FLUSH_AGE_SECONDS``). One flush of one session, in this order:

1. read the buffered lines; drop (and trim) any line already stored in an existing blob of the
   session whose time range overlaps them (recovery from a crash after step 2);
2. write one gzip JSONL object at its blob key (its first and last event's times), then record
   its ``RecordingBlob`` row;
3. remove exactly the lines written from the live buffer.

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

from snapshots.flush.blobs import blob_write
from snapshots.flush.scheduling import flush_is_due, live_buffers_flush_due
from snapshots.flush.session import FlushOutcome, session_buffer_flush, sessions_flush

__all__ = [
    "FlushOutcome",
    "blob_write",
    "flush_is_due",
    "live_buffers_flush_due",
    "session_buffer_flush",
    "sessions_flush",
]

"""Writing a persisted recording's long-term copy (the ``persist`` hook of ``recordings.hooks``).

The copy is PostHog's v2 "full recording" object (``blob_v2_lts``): the recording's v2 JSONL as
one raw snappy stream (``snapshots.storage.block_format``), stored at ``long_term_object_key``
and described by a ``RecordingLongTermCopy`` row. Persisting does not depend on it: a persisted
recording keeps its blobs past retention, and readers fall back to the blocks whenever the copy
is missing or stale (see ``snapshots.blocks``).
"""

from __future__ import annotations

import logging
import zlib

from recordings.models import DeletedRecording, SessionRecording
from snapshots.blocks import (
    SnapshotBlocks,
    long_term_copy_get,
    long_term_copy_is_current,
    snapshot_blocks_list,
)
from snapshots.flush import session_buffer_flush
from snapshots.models import RecordingBlob, RecordingLongTermCopy
from snapshots.selectors import snapshot_blob_open
from snapshots.storage import get_blob_store, long_term_object_key, long_term_prefix
from snapshots.storage.block_format import LongTermCopyEncoder, v2_chunks_from_gzip

logger = logging.getLogger(__name__)


class LongTermCopyFailed(Exception):
    """A blob the copy needs is missing or corrupt; retrying cannot help."""


def session_snapshots_persist(*, environment_id: int, session_id: str) -> None:
    """Write (or confirm) the long-term copy of a persisted recording.

    First the live buffer is flushed, so the copy holds everything recorded so far; then every blob
    is converted and compressed in block order and the object written before its row. Idempotent:
    a copy that already holds exactly the recording's blobs is left as it is. A recording that is
    not (or no longer) persisted, or has no data, gets no copy; one deleted while the copy was being
    written loses it again. Raises ``StorageUnavailable`` / ``LiveBufferUnavailable`` (the task
    retries); a missing or corrupt blob is logged (``recording_long_term_copy_failed``) and the
    recording keeps being served from its blocks.
    """
    recording = _persisted_recording(environment_id=environment_id, session_id=session_id)
    if recording is None or _copy_is_current(recording):
        return
    session_buffer_flush(environment_id=environment_id, session_id=session_id)
    blocks = snapshot_blocks_list(recording=recording)
    if not blocks.blobs:
        return
    try:
        copy = _write(recording=recording, blocks=blocks)
    except LongTermCopyFailed as error:
        fields = {"environment_id": environment_id, "session_id": session_id, "error": str(error)}
        logger.error("recording_long_term_copy_failed", extra=fields)
        return
    if DeletedRecording.objects.filter(environment_id=environment_id, session_id=session_id).exists():
        session_long_term_copy_delete(environment_id=environment_id, session_id=session_id)
        return
    logger.info(
        "recording_long_term_copy_written",
        extra={"environment_id": environment_id, "session_id": session_id, "size_bytes": copy.size_bytes},
    )


def session_long_term_copy_delete(*, environment_id: int, session_id: str) -> None:
    """Remove the session's long-term copies (objects, then row); idempotent."""
    get_blob_store().delete_prefix(long_term_prefix(environment_id=environment_id, session_id=session_id))
    RecordingLongTermCopy.objects.filter(environment_id=environment_id, session_id=session_id).delete()


def _copy_is_current(recording: SessionRecording) -> bool:
    existing = long_term_copy_get(recording=recording)
    return existing is not None and long_term_copy_is_current(
        copy=existing, blocks=snapshot_blocks_list(recording=recording)
    )


def _persisted_recording(*, environment_id: int, session_id: str) -> SessionRecording | None:
    if DeletedRecording.objects.filter(environment_id=environment_id, session_id=session_id).exists():
        return None
    return SessionRecording.objects.filter(
        environment_id=environment_id, session_id=session_id, persisted=True
    ).first()


def _write(*, recording: SessionRecording, blocks: SnapshotBlocks) -> RecordingLongTermCopy:
    encoder = LongTermCopyEncoder()
    for blob in blocks.blobs:
        encoder.add(_blob_v2_jsonl(blob))
    data = encoder.encoded()
    key = long_term_object_key(environment_id=recording.environment_id, session_id=recording.session_id)
    get_blob_store().put(key, data, content_type="application/octet-stream")
    copy, _ = RecordingLongTermCopy.objects.update_or_create(
        environment_id=recording.environment_id,
        session_id=recording.session_id,
        defaults={
            "object_key": key,
            "size_bytes": len(data),
            "uncompressed_size_bytes": encoder.uncompressed_size,
            "blob_keys": [blob.blob_key for blob in blocks.blobs],
            "segments": encoder.segments,
        },
    )
    return copy


def _blob_v2_jsonl(blob: RecordingBlob) -> bytes:
    stream = snapshot_blob_open(blob=blob)
    if stream is None:
        raise LongTermCopyFailed(f"blob {blob.blob_key} of {blob.session_id} is missing from object storage")
    try:
        return b"".join(v2_chunks_from_gzip(stream.chunks))
    except zlib.error as error:
        raise LongTermCopyFailed(f"blob {blob.blob_key} of {blob.session_id} is corrupt: {error}") from error
    finally:
        stream.close()

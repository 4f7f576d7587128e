"""Writing one blob: its key, its object, its row.

A blob's key is ``{first_ms}-{last_ms}``: its first and its last event's times (the lines are
scored by their first event; the last event of the blob may be in any line). A key already
recorded with other bytes (late lines inside an old range) is never overwritten: ``last`` is
bumped until the key is free or holds the same bytes (a retried flush). The object is written
first; its ``RecordingBlob`` row only after, so the API never lists a blob that is not stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recordings_api.timestamps import ms_to_datetime
from snapshots.live_buffer import BufferedLine
from snapshots.models import RecordingBlob
from snapshots.storage import BlobStore, blob_key_format, blob_object_key, get_blob_store
from snapshots.storage.blob_format import BlobPayload, blob_encode, blob_lines


def _holds_exactly(store: BlobStore, key: str, data: bytes) -> bool:
    stream = store.open(key)
    if stream is None:
        return False
    try:
        return b"".join(stream.chunks) == data
    finally:
        stream.close()


def _key_choose(
    payload: BlobPayload, recorded: Mapping[str, RecordingBlob], store: BlobStore
) -> tuple[str, RecordingBlob | None]:
    """The key to write, and the row already recording exactly this payload (a retried flush).
    Bytes are compared only on a key collision."""
    last_ms = payload.last_ms
    while (
        blob := recorded.get(key := blob_key_format(first_ms=payload.first_ms, last_ms=last_ms))
    ) is not None:
        if blob.size_bytes == len(payload.data) and _holds_exactly(store, blob.object_key, payload.data):
            return key, blob
        last_ms += 1
    return key, None


@dataclass(frozen=True)
class BlobWritten:
    row: RecordingBlob  # unsaved (``pk`` None) unless it was recorded already
    recorded: bool


def blob_put(
    *,
    environment_id: int,
    session_id: str,
    lines: Sequence[BufferedLine],
    recorded: Mapping[str, RecordingBlob],
    store: BlobStore,
) -> BlobWritten:
    """Store ``lines`` as one object (idempotent); the caller saves the returned row.

    ``recorded``: the session's rows by blob key. Raises ``StorageUnavailable``.
    """
    payload = blob_encode(lines)
    blob_key, existing = _key_choose(payload, recorded, store)
    if existing is not None:
        return BlobWritten(existing, recorded=True)
    key = blob_object_key(environment_id=environment_id, session_id=session_id, blob_key=blob_key)
    stored = store.put(key, payload.data, content_type="application/json", content_encoding="gzip")
    row = RecordingBlob(
        environment_id=environment_id,
        session_id=session_id,
        blob_key=blob_key,
        start_timestamp=ms_to_datetime(payload.first_ms),
        end_timestamp=ms_to_datetime(int(blob_key.split("-")[1])),
        size_bytes=stored.size,
        uncompressed_size_bytes=payload.uncompressed_size,
        line_count=payload.line_count,
        event_count=payload.event_count,
        etag=stored.etag,
    )
    return BlobWritten(row, recorded=False)


def blob_write(
    *, environment_id: int, session_id: str, lines: Sequence[BufferedLine], store: BlobStore | None = None
) -> RecordingBlob:
    """Store and record ``lines`` as one blob of the session (idempotent for the same lines).

    Raises ``StorageUnavailable``.
    """
    store = store or get_blob_store()
    rows = RecordingBlob.objects.filter(environment_id=environment_id, session_id=session_id)
    written = blob_put(
        environment_id=environment_id,
        session_id=session_id,
        lines=lines,
        recorded={row.blob_key: row for row in rows},
        store=store,
    )
    if written.recorded:
        return written.row
    row, _ = RecordingBlob.objects.get_or_create(
        environment_id=environment_id,
        session_id=session_id,
        blob_key=written.row.blob_key,
        defaults={
            field: getattr(written.row, field)
            for field in (
                "start_timestamp",
                "end_timestamp",
                "size_bytes",
                "uncompressed_size_bytes",
                "line_count",
                "event_count",
                "etag",
            )
        },
    )
    return row


def lines_already_stored(
    *, lines: Sequence[BufferedLine], blobs: Sequence[RecordingBlob], store: BlobStore
) -> set[str]:
    """The subset of ``lines`` present in recorded ``blobs`` whose range overlaps theirs (what an
    interrupted flush stored before it could trim the buffer)."""
    first = ms_to_datetime(min(item.score for item in lines))
    last = ms_to_datetime(max(item.score for item in lines))
    wanted = {item.line for item in lines}
    found: set[str] = set()
    for blob in blobs:
        if blob.start_timestamp > last or blob.end_timestamp < first:
            continue
        stream = store.open(blob.object_key)
        if stream is None:
            continue
        try:
            found.update(line for line in blob_lines(stream.chunks) if line in wanted)
        finally:
            stream.close()
    return found

"""Reads of the snapshots domain: a recording's snapshot sources, blobs and realtime lines.

Sources come from ``RecordingBlob`` rows (the bucket is never listed) plus a ``realtime`` entry
while the live buffer holds lines. Failures of the live buffer raise ``LiveBufferUnavailable``
and of object storage ``StorageUnavailable``; callers turn both into 503, never into an empty
recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject

from recordings.models import DeletedRecording, SessionRecording
from recordings.selectors import SESSION_ID_MAX_LENGTH
from recordings_api.lookups import lookup_value_is_storable
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime
from snapshots.blocks import long_term_copy_current, snapshot_blocks_list
from snapshots.live_buffer import BufferedLine, get_live_buffer
from snapshots.models import RecordingBlob, RecordingLongTermCopy
from snapshots.storage import ObjectStream, StoredObject, get_blob_store


@dataclass(frozen=True)
class SnapshotSource:
    source: str  # "blob" | "realtime" | "blob_v2" | "blob_v2_lts"
    start_timestamp: datetime | None
    end_timestamp: datetime | None
    blob_key: str | None


@dataclass(frozen=True)
class SnapshotSources:
    """The phase-1 listing and the size hints a client can plan downloads with."""

    sources: list[SnapshotSource]
    blob_count: int
    total_size_bytes: int  # JSONL bytes of every source, uncompressed
    total_compressed_size_bytes: int  # stored gzip bytes of the blobs
    total_event_count: int
    realtime_line_count: int


def snapshot_recording_deletion(*, environment: Environment, session_id: str) -> DeletedRecording | None:
    """The tombstone of a deleted session of ``environment`` (with who deleted it), or None
    (also, without a query, for a value no session id can be)."""
    if not lookup_value_is_storable(session_id, max_length=SESSION_ID_MAX_LENGTH):
        return None
    return (
        DeletedRecording.objects.select_related("deleted_by")
        .filter(environment=environment, session_id=session_id)
        .first()
    )


def snapshot_sources_list(*, recording: SessionRecording) -> SnapshotSources:
    """Blob sources sorted by start (then key), then ``realtime`` while lines are buffered."""
    blobs = list(
        RecordingBlob.objects.filter(
            environment_id=recording.environment_id, session_id=recording.session_id
        ).order_by("start_timestamp", "blob_key")
    )
    sources = [
        SnapshotSource("blob", blob.start_timestamp, blob.end_timestamp, blob.blob_key) for blob in blobs
    ]
    stats = get_live_buffer().stats(environment_id=recording.environment_id, session_id=recording.session_id)
    if stats.line_count:
        start = None if stats.first_score_ms is None else ms_to_datetime(stats.first_score_ms)
        sources.append(SnapshotSource("realtime", start, None, None))
    blob_events = sum(blob.event_count for blob in blobs)
    return SnapshotSources(
        sources=sources,
        blob_count=len(blobs),
        total_size_bytes=sum(blob.uncompressed_size_bytes for blob in blobs) + stats.size_bytes,
        total_compressed_size_bytes=sum(blob.size_bytes for blob in blobs),
        # Ingestion counts every event, buffered or flushed; the blobs' own count is exact for
        # flushed data, so the larger of the two covers both.
        total_event_count=max(blob_events, recording.event_count),
        realtime_line_count=stats.line_count,
    )


def snapshot_v2_sources_list(*, recording: SessionRecording, long_term: bool) -> SnapshotSources:
    """PostHog's v2 listing: with ``long_term``, the current long-term copy alone
    (``blob_v2_lts``, ``blob_key`` = its object key); otherwise, or without a current copy, one
    ``blob_v2`` source per block (``blob_key`` = the block index), the live block last."""
    listing = snapshot_blocks_list(recording=recording)
    blobs = listing.blobs
    copy = long_term_copy_current(recording=recording, blocks=listing) if long_term else None
    if copy is not None:
        sources = [SnapshotSource("blob_v2_lts", None, None, copy.object_key)]
    else:
        sources = [
            SnapshotSource("blob_v2", block.start_timestamp, block.end_timestamp, str(block.index))
            for block in listing.blocks
        ]
    return SnapshotSources(
        sources=sources,
        blob_count=len(blobs),
        total_size_bytes=sum(blob.uncompressed_size_bytes for blob in blobs) + listing.live.size_bytes,
        total_compressed_size_bytes=sum(blob.size_bytes for blob in blobs),
        total_event_count=max(sum(blob.event_count for blob in blobs), recording.event_count),
        realtime_line_count=listing.live.line_count,
    )


# What serving a blob reads of its row; the other columns load on first access (deferred).
_SERVED_BLOB_FIELDS = (
    "id",
    "environment_id",
    "session_id",
    "blob_key",
    "size_bytes",
    "uncompressed_size_bytes",
    "etag",
)
_BLOB_ANNOTATION = "snapshot_blob_row"


def snapshot_blob_annotations(*, blob_key: str) -> dict[str, Subquery]:
    """Annotations for ``session_recording_find`` that read the recording's blob ``blob_key`` in
    the recording's own query (one round trip); ``snapshot_blob_get`` then takes it from there."""
    blobs = RecordingBlob.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id"), blob_key=blob_key
    )
    row = JSONObject(**{name: name for name in _SERVED_BLOB_FIELDS})
    return {_BLOB_ANNOTATION: Subquery(blobs.values_list(row)[:1])}


def snapshot_blob_get(*, recording: SessionRecording, blob_key: str) -> RecordingBlob | None:
    """The recording's blob with this key, or None (also for another recording's key): read
    along with the recording when it was found with ``snapshot_blob_annotations(blob_key)``."""
    if hasattr(recording, _BLOB_ANNOTATION):
        row = getattr(recording, _BLOB_ANNOTATION)
        if row is None:
            return None
        if row["blob_key"] == blob_key:
            return RecordingBlob.from_db(
                RecordingBlob.objects.db,
                list(_SERVED_BLOB_FIELDS),
                [row[name] for name in _SERVED_BLOB_FIELDS],
            )
    return RecordingBlob.objects.filter(
        environment_id=recording.environment_id, session_id=recording.session_id, blob_key=blob_key
    ).first()


def snapshot_blob_open(
    *, blob: RecordingBlob, byte_range: tuple[int, int] | None = None
) -> ObjectStream | None:
    """Open the stored (gzip) bytes of ``blob`` (or the inclusive ``byte_range`` of them).

    None when the object is missing; raises ``StorageUnavailable`` on any other failure and
    ``RangeNotSatisfiable`` when the range starts past the object's end.
    """
    return get_blob_store().open(blob.object_key, byte_range=byte_range)


def snapshot_blob_stat(*, blob: RecordingBlob) -> StoredObject | None:
    """The stored object of ``blob`` without its body (None when missing; ``StorageUnavailable``)."""
    return get_blob_store().head(blob.object_key)


def snapshot_realtime_lines(*, recording: SessionRecording) -> list[BufferedLine]:
    """The lines still in the live buffer, in score order."""
    return get_live_buffer().read(environment_id=recording.environment_id, session_id=recording.session_id)


def snapshot_long_term_open(*, copy: RecordingLongTermCopy) -> ObjectStream | None:
    """Open a long-term copy's stored bytes (None when missing; ``StorageUnavailable``)."""
    return get_blob_store().open(copy.object_key)

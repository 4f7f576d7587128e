"""A recording's snapshot data as PostHog's v2 blocks (``source=blob_v2``) and its long-term copy.

Block ``i`` is the recording's ``i``-th stored blob by start time (then key), the order the v1
listing uses. While the live buffer still holds lines not yet flushed, they are one more, last
block (the *live* block). PostHog's current clients read only v2 sources and its v2 pipeline
has no realtime source (blocks appear about 10 s after capture); here a flush comes after a
minute of idleness or ten minutes of age, so without the live block an ongoing recording would
show nothing for that long. The live block grows until it is flushed, after which the same index
serves the new blob; responses that include it are never cached.

A long-term copy (``RecordingLongTermCopy``) is current while the recording has exactly the
blobs it was built from and nothing buffered; only then is it listed (``blob_v2_lts``).

Failures: ``LiveBufferUnavailable`` and ``StorageUnavailable`` propagate (callers answer 503).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recordings.models import SessionRecording
from recordings_api.timestamps import ms_to_datetime
from snapshots.live_buffer import BufferStats, get_live_buffer
from snapshots.models import RecordingBlob, RecordingLongTermCopy


@dataclass(frozen=True)
class SnapshotBlock:
    index: int
    start_timestamp: datetime | None
    end_timestamp: datetime | None
    blob: RecordingBlob | None  # None for the live block

    @property
    def is_live(self) -> bool:
        return self.blob is None


@dataclass(frozen=True)
class SnapshotBlocks:
    blocks: list[SnapshotBlock]
    blobs: list[RecordingBlob]
    live: BufferStats

    @property
    def has_live_block(self) -> bool:
        return bool(self.live.line_count)


def snapshot_blobs_ordered(*, recording: SessionRecording) -> list[RecordingBlob]:
    """The recording's blobs in block order (start time, then key)."""
    return list(
        RecordingBlob.objects.filter(
            environment_id=recording.environment_id, session_id=recording.session_id
        ).order_by("start_timestamp", "blob_key")
    )


def snapshot_blocks_list(*, recording: SessionRecording) -> SnapshotBlocks:
    """Every block of the recording: one per blob, then the live block while lines are buffered."""
    blobs = snapshot_blobs_ordered(recording=recording)
    blocks = [
        SnapshotBlock(index, blob.start_timestamp, blob.end_timestamp, blob)
        for index, blob in enumerate(blobs)
    ]
    live = get_live_buffer().stats(environment_id=recording.environment_id, session_id=recording.session_id)
    if live.line_count:
        start = None if live.first_score_ms is None else ms_to_datetime(live.first_score_ms)
        end = None if live.last_score_ms is None else ms_to_datetime(live.last_score_ms)
        blocks.append(SnapshotBlock(len(blobs), start, end, None))
    return SnapshotBlocks(blocks=blocks, blobs=blobs, live=live)


def long_term_copy_get(*, recording: SessionRecording) -> RecordingLongTermCopy | None:
    """The recording's long-term copy row, current or not."""
    return RecordingLongTermCopy.objects.filter(
        environment_id=recording.environment_id, session_id=recording.session_id
    ).first()


def long_term_copy_is_current(*, copy: RecordingLongTermCopy, blocks: SnapshotBlocks) -> bool:
    """Whether ``copy`` holds exactly the recording's data now (its blobs, nothing buffered)."""
    return not blocks.has_live_block and copy.blob_keys == [blob.blob_key for blob in blocks.blobs]


def long_term_copy_current(
    *, recording: SessionRecording, blocks: SnapshotBlocks
) -> RecordingLongTermCopy | None:
    """The recording's long-term copy if it is persisted and the copy is current, else None."""
    if not recording.persisted:
        return None
    copy = long_term_copy_get(recording=recording)
    if copy is None or not long_term_copy_is_current(copy=copy, blocks=blocks):
        return None
    return copy

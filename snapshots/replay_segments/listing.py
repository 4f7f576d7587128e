"""Which segments a recording has (module docstring of the package): listing and lookup.

Failures: ``LiveBufferUnavailable`` (a posthog-js recording's live segment is looked up in the
buffer) propagates; callers answer 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recordings.models import ReplaySegment, SessionRecording
from recordings_api.timestamps import ms_to_datetime
from snapshots.blocks import snapshot_blocks_list
from snapshots.models import RecordingBlob


@dataclass(frozen=True)
class ReplaySegmentRef:
    """One segment: its number, when it was added, and where its events are.

    Sentry replays: ``first_ms`` is the earliest event time of its line (the line's score, what
    blobs are ranged by), None when its ``replay_recording`` never arrived (its events are
    ``[]``). posthog-js recordings: ``blob`` is the segment's blob, None for the live segment.
    """

    segment_id: int
    date_added: datetime
    sentry: bool
    first_ms: int | None = None
    blob: RecordingBlob | None = None


def _is_sentry_replay(recording: SessionRecording) -> bool:
    return ReplaySegment.objects.filter(
        environment_id=recording.environment_id, session_id=recording.session_id
    ).exists()


def _sentry_segments(recording: SessionRecording) -> list[ReplaySegment]:
    return list(
        ReplaySegment.objects.filter(
            environment_id=recording.environment_id, session_id=recording.session_id, event__isnull=False
        )
        .only("segment_id", "timestamp", "event_received_at", "recording_received_at", "recording")
        .order_by("segment_id")
    )


def _sentry_ref(row: ReplaySegment) -> ReplaySegmentRef:
    metadata = (row.recording or {}).get("metadata") or {}
    first_ms = metadata.get("first_timestamp")
    added = row.timestamp or row.event_received_at or row.recording_received_at
    assert added is not None  # a listed segment has its replay_event
    return ReplaySegmentRef(
        row.segment_id, added, True, first_ms=int(first_ms) if isinstance(first_ms, int) else None
    )


def _posthog_refs(recording: SessionRecording) -> list[ReplaySegmentRef]:
    listing = snapshot_blocks_list(recording=recording)
    refs = []
    for block in listing.blocks:
        if block.blob is not None:
            refs.append(ReplaySegmentRef(block.index, block.blob.end_timestamp, False, blob=block.blob))
        else:
            last = listing.live.last_score_ms
            refs.append(ReplaySegmentRef(block.index, ms_to_datetime(last or 0), False))
    return refs


def _all_refs(recording: SessionRecording) -> list[ReplaySegmentRef]:
    if _is_sentry_replay(recording):
        return [_sentry_ref(row) for row in _sentry_segments(recording)]
    return _posthog_refs(recording)


def replay_segments_list(*, recording: SessionRecording, offset: int, limit: int) -> list[ReplaySegmentRef]:
    """Segments ``offset`` to ``offset + limit`` (exclusive) in segment order."""
    return _all_refs(recording)[offset : offset + limit]


def replay_segments_count(*, recording: SessionRecording) -> int:
    return len(_all_refs(recording))


def replay_segment_get(*, recording: SessionRecording, segment_id: int) -> ReplaySegmentRef | None:
    """Segment ``segment_id`` of the recording, or None."""
    return next((ref for ref in _all_refs(recording) if ref.segment_id == segment_id), None)

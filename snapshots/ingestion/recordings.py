"""The atomic per-session upsert of ``SessionRecording`` metadata.

One capture request contributes one ``BlockMetadata`` per session; ``recording_metadata_upsert``
folds it into the session's row in ONE transaction that holds the row lock
(``select_for_update`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), so
concurrent requests of the same session never lose counts. The row is created on the first block,
synchronously, so a recording is listed as soon as its first batch was answered.

Aggregation follows PostHog's ``session_replay_events`` table: sums of counts, active time, size,
event and message counts; min start / max end; ``start_url`` from the earliest block that has
one; ``urls`` a set capped at 25; source, library and distinct id from the first block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from recordings.models import SessionEvent, SessionRecording
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime
from snapshots.ingestion.metadata import MAX_URLS_COUNT, BlockMetadata

FIRST_EVENT_NAMES = ("$pageview", "$autocapture")
_START_URL_MAX_LENGTH = SessionRecording._meta.get_field("start_url").max_length or 512
_LIBRARY_MAX_LENGTH = SessionRecording._meta.get_field("snapshot_library").max_length or 64
_SUMMED_FIELDS = (
    "click_count",
    "keypress_count",
    "mouse_activity_count",
    "active_milliseconds",
    "console_log_count",
    "console_warn_count",
    "console_error_count",
    "event_count",
)


@dataclass(frozen=True)
class BlockContext:
    """What a block carries besides its event metadata."""

    distinct_id: str
    snapshot_source: str
    snapshot_library: str | None
    size_bytes: int
    message_count: int = 1


def snapshot_source_of(value: Any) -> str:
    """``$snapshot_source`` → one of the model's choices (web when absent, like PostHog)."""
    if value is None or value == "":
        return SessionRecording.SnapshotSource.WEB
    lowered = str(value).lower()
    if lowered in SessionRecording.SnapshotSource.values:
        return lowered
    return SessionRecording.SnapshotSource.UNKNOWN


def _first_event_properties(*, environment: Environment, session_id: str) -> dict[str, Any]:
    event = (
        SessionEvent.objects.filter(
            environment=environment, session_id=session_id, event__in=FIRST_EVENT_NAMES
        )
        .order_by("timestamp")
        .values_list("properties", flat=True)
        .first()
    )
    return dict(event) if isinstance(event, dict) else {}


def _new_recording(
    *, environment: Environment, session_id: str, block: BlockMetadata, context: BlockContext
) -> SessionRecording:
    return SessionRecording(
        environment=environment,
        session_id=session_id,
        distinct_id=context.distinct_id,
        start_time=ms_to_datetime(block.first_timestamp),
        end_time=ms_to_datetime(block.last_timestamp),
        start_url=block.first_url[:_START_URL_MAX_LENGTH] if block.first_url else None,
        start_url_timestamp=ms_to_datetime(block.first_timestamp) if block.first_url else None,
        urls=list(block.urls[:MAX_URLS_COUNT]),
        snapshot_source=context.snapshot_source,
        snapshot_library=(context.snapshot_library or None)
        and context.snapshot_library[:_LIBRARY_MAX_LENGTH],
        size_bytes=context.size_bytes,
        message_count=context.message_count,
        retention_period_days=environment.session_recording_retention_days,
        first_event_properties=_first_event_properties(environment=environment, session_id=session_id),
        **{name: getattr(block, name) for name in _SUMMED_FIELDS},
    )


def _merge(recording: SessionRecording, *, block: BlockMetadata, context: BlockContext) -> None:
    block_start = ms_to_datetime(block.first_timestamp)
    earlier = block_start < recording.start_time
    # argMin(first_url, first_timestamp): the earliest block with a URL wins.
    url_is_earlier = recording.start_url_timestamp is None or block_start < recording.start_url_timestamp
    if block.first_url and (recording.start_url is None or url_is_earlier):
        recording.start_url = block.first_url[:_START_URL_MAX_LENGTH]
        recording.start_url_timestamp = block_start
    if earlier:
        recording.start_time = block_start
        recording.snapshot_source = context.snapshot_source
        if context.snapshot_library:
            recording.snapshot_library = context.snapshot_library[:_LIBRARY_MAX_LENGTH]
    recording.end_time = max(recording.end_time, ms_to_datetime(block.last_timestamp))
    urls = list(recording.urls or [])
    for url in block.urls:
        if len(urls) >= MAX_URLS_COUNT:
            break
        if url not in urls:
            urls.append(url)
    recording.urls = urls
    for name in _SUMMED_FIELDS:
        setattr(recording, name, getattr(recording, name) + getattr(block, name))
    recording.size_bytes += context.size_bytes
    recording.message_count += context.message_count
    if not recording.distinct_id and context.distinct_id:
        recording.distinct_id = context.distinct_id
    if not recording.first_event_properties:
        recording.first_event_properties = _first_event_properties(
            environment=recording.environment, session_id=recording.session_id
        )


def _locked(*, environment: Environment, session_id: str) -> SessionRecording | None:
    return (
        SessionRecording.objects.select_for_update()
        .filter(environment=environment, session_id=session_id)
        .first()
    )


def recording_metadata_upsert(
    *, environment: Environment, session_id: str, block: BlockMetadata, context: BlockContext
) -> SessionRecording:
    """Create the session's row or fold ``block`` into it, atomically (see module docstring)."""
    with transaction.atomic():
        recording = _locked(environment=environment, session_id=session_id)
        if recording is None:
            new = _new_recording(environment=environment, session_id=session_id, block=block, context=context)
            try:
                with transaction.atomic():
                    new.save(force_insert=True)
                return new
            except IntegrityError:
                # A concurrent request created it first: merge into theirs under the row lock.
                recording = _locked(environment=environment, session_id=session_id)
                if recording is None:
                    raise
        recording.environment = environment
        _merge(recording, block=block, context=context)
        recording.save()
        return recording

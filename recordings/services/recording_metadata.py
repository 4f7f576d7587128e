"""Recording metadata from snapshot blocks: PostHog's aggregation rules, applied in bulk.

Rules (PostHog's ``session_replay_events``): counts, active time, size, event and message counts
add up; ``start_time`` is the earliest block's first event, ``end_time`` the latest last event;
``start_url`` comes from the earliest block that has a URL, whatever the order blocks arrive
in; ``urls`` is a set capped at ``MAX_URLS_COUNT`` in arrival order; snapshot source and library
follow the earliest block; the distinct id is the first one seen. ``first_event_properties`` are
the session's first ``$pageview``/``$autocapture`` properties.

``recording_blocks_apply`` runs inside the caller's transaction and touches every recording of
a batch with a constant number of statements: missing rows are inserted as skeletons (``ON
CONFLICT DO NOTHING``), then all rows are locked in (environment, session) order, which
serialises concurrent aggregators on a session without deadlocks; the tombstones are read
*after* the lock (a recording deleted meanwhile is not brought back), blocks already recorded in
``IngestedBlock`` are skipped (exactly once), the rest are merged in Python and written back
with one ``UPDATE … FROM json_to_recordset`` (``recordings_api.bulk_writes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from recordings.conditions import session_keys_condition
from recordings.expiry import recording_expiry_stamp
from recordings.models import DeletedRecording, IngestedBlock, SessionEvent, SessionRecording
from recordings.services.recording_attributes import (
    POSTHOG_BLOCK_FIELDS,
    POSTHOG_PROPERTY_FIELDS,
    posthog_block_apply,
    posthog_properties_apply,
)
from recordings.services.records import MAX_URLS_COUNT, SUMMED_FIELDS, BlockMetadata, SessionBlock
from recordings_api.bulk_writes import rows_update
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime

FIRST_EVENT_NAMES = ("$pageview", "$autocapture")
_START_URL_MAX_LENGTH = SessionRecording._meta.get_field("start_url").max_length or 512
_LIBRARY_MAX_LENGTH = SessionRecording._meta.get_field("snapshot_library").max_length or 64
_UPDATED_FIELDS = [
    *SUMMED_FIELDS,
    "distinct_id",
    "start_time",
    "end_time",
    "start_url",
    "start_url_timestamp",
    "urls",
    "snapshot_source",
    "snapshot_library",
    "size_bytes",
    "message_count",
    "first_event_properties",
    "last_ingested_at",
    "expires_at",
    # The Sentry face's attributes of posthog-js recordings (``recording_attributes``).
    *POSTHOG_BLOCK_FIELDS,
    *POSTHOG_PROPERTY_FIELDS,
]

SessionKey = tuple[int, str]


@dataclass
class BlocksApplied:
    applied: int = 0
    duplicates: int = 0
    dropped: int = 0  # blocks of deleted recordings or environments
    created: set[SessionKey] = field(default_factory=set)  # recordings whose first block this was


def _library(value: str | None) -> str | None:
    return value[:_LIBRARY_MAX_LENGTH] if value else None


def recording_skeleton(block: SessionBlock, environment: Environment) -> SessionRecording:
    """An empty recording that the session's first block then merges into like any other."""
    start = ms_to_datetime(block.metadata.first_timestamp)
    skeleton = SessionRecording(
        environment=environment,
        session_id=block.session_id,
        distinct_id=block.distinct_id,
        start_time=start,
        end_time=start,
        snapshot_source=block.snapshot_source,
        snapshot_library=_library(block.snapshot_library),
        retention_period_days=environment.session_recording_retention_days,
    )
    recording_expiry_stamp(skeleton, environment)
    return skeleton


def recording_block_merge(recording: SessionRecording, block: SessionBlock) -> None:
    """Fold one block into a recording, by the rules of the module docstring."""
    metadata: BlockMetadata = block.metadata
    block_start = ms_to_datetime(metadata.first_timestamp)
    url_is_earlier = recording.start_url_timestamp is None or block_start < recording.start_url_timestamp
    if metadata.first_url and (recording.start_url is None or url_is_earlier):
        recording.start_url = metadata.first_url[:_START_URL_MAX_LENGTH]
        recording.start_url_timestamp = block_start
    if block_start < recording.start_time:
        recording.start_time = block_start
        recording.snapshot_source = block.snapshot_source
        recording.snapshot_library = _library(block.snapshot_library) or recording.snapshot_library
    recording.end_time = max(recording.end_time, ms_to_datetime(metadata.last_timestamp))
    urls = list(recording.urls or [])
    for url in metadata.urls:
        if len(urls) >= MAX_URLS_COUNT:
            break
        if url not in urls:
            urls.append(url)
    recording.urls = urls
    for name in SUMMED_FIELDS:
        setattr(recording, name, getattr(recording, name) + getattr(metadata, name))
    recording.size_bytes += block.size_bytes
    recording.message_count += block.message_count
    if not recording.distinct_id and block.distinct_id:
        recording.distinct_id = block.distinct_id


def _locked(keys: Sequence[SessionKey]) -> dict[SessionKey, SessionRecording]:
    rows = (
        SessionRecording.objects.select_for_update()
        .filter(session_keys_condition(keys))
        .order_by("environment_id", "session_id")
    )
    return {(row.environment_id, row.session_id): row for row in rows}


def _tombstoned(keys: Sequence[SessionKey]) -> set[SessionKey]:
    rows = DeletedRecording.objects.filter(session_keys_condition(keys)).values_list(
        "environment_id", "session_id"
    )
    return set(rows)


def _new_blocks(blocks: Sequence[SessionBlock], keep: set[SessionKey]) -> tuple[list[SessionBlock], int]:
    """The blocks not yet recorded (nor repeated within the batch), in log order."""
    candidates = [block for block in blocks if (block.environment_id, block.session_id) in keep]
    recorded = set(
        IngestedBlock.objects.filter(session_keys_condition(keep))
        .filter(block_key__in={block.block_key for block in candidates})
        .values_list("environment_id", "session_id", "block_key")
    )
    new: list[SessionBlock] = []
    for block in candidates:
        identity = (block.environment_id, block.session_id, block.block_key)
        if identity not in recorded:
            recorded.add(identity)
            new.append(block)
    return new, len(candidates) - len(new)


def _first_event_properties_fill(rows: Mapping[SessionKey, SessionRecording]) -> set[SessionKey]:
    """Fill the rows that have no first event properties yet; returns the keys filled."""
    missing = [key for key, row in rows.items() if not row.first_event_properties]
    if not missing:
        return set()
    events = (
        SessionEvent.objects.filter(session_keys_condition(missing), event__in=FIRST_EVENT_NAMES)
        .order_by("environment_id", "session_id", "timestamp")
        .values_list("environment_id", "session_id", "properties")
    )
    filled: set[SessionKey] = set()
    for environment_id, session_id, properties in events:
        key = (environment_id, session_id)
        if key not in filled and isinstance(properties, dict) and properties:
            rows[key].first_event_properties = properties
            posthog_properties_apply(rows[key])
            filled.add(key)
    return filled


def _record_applied(blocks: Sequence[SessionBlock]) -> None:
    IngestedBlock.objects.bulk_create(
        [
            IngestedBlock(
                environment_id=block.environment_id, session_id=block.session_id, block_key=block.block_key
            )
            for block in blocks
        ],
        batch_size=500,
    )


def recording_blocks_apply(
    *,
    blocks: Sequence[SessionBlock],
    event_sessions: Iterable[SessionKey],
    environments: Mapping[int, Environment],
    now: datetime,
) -> BlocksApplied:
    """Fold ``blocks`` into their recordings and fill ``first_event_properties`` of the sessions
    in ``event_sessions`` (whose events were just stored). Must run inside a transaction."""
    stats = BlocksApplied()
    live = [block for block in blocks if block.environment_id in environments]
    firsts: dict[SessionKey, SessionBlock] = {}
    for block in live:
        firsts.setdefault((block.environment_id, block.session_id), block)
    skeletons = [recording_skeleton(block, environments[key[0]]) for key, block in firsts.items()]
    SessionRecording.objects.bulk_create(skeletons, ignore_conflicts=True, batch_size=500)
    keys = sorted({*firsts, *(key for key in event_sessions if key[0] in environments)})
    rows = _locked(keys)
    # A skeleton inserted by this batch is the row: its created_at is ours (another worker's differs).
    stats.created = {
        key
        for key, skeleton in zip(firsts, skeletons, strict=True)
        if key in rows and rows[key].created_at == skeleton.created_at
    }
    gone = _tombstoned(keys)
    if gone:  # deleted meanwhile: neither a skeleton nor events of ours may bring it back
        SessionRecording.objects.filter(session_keys_condition(gone)).delete()
        SessionEvent.objects.filter(session_keys_condition(gone)).delete()
        rows = {key: row for key, row in rows.items() if key not in gone}
        stats.created -= gone
    new, stats.duplicates = _new_blocks(live, set(rows))
    stats.applied = len(new)
    stats.dropped = len(blocks) - stats.applied - stats.duplicates
    dirty: set[SessionKey] = set()
    for block in new:
        key = (block.environment_id, block.session_id)
        recording_block_merge(rows[key], block)
        posthog_block_apply(rows[key], block)
        recording_expiry_stamp(rows[key], environments[key[0]])  # start_time may have moved
        rows[key].last_ingested_at = now
        dirty.add(key)
    dirty |= _first_event_properties_fill(rows)
    _record_applied(new)
    rows_update(SessionRecording, [rows[key] for key in sorted(dirty)], _UPDATED_FIELDS)
    return stats

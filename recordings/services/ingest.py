"""``ingested_batch_apply``: one batch of the ingest log, applied to recordings' tables at once.

Called by the aggregators (``snapshots.aggregation``) with the records of many log entries, in
log order. In ONE transaction, with a constant number of statements whatever the batch size:
session events (by uuid), recording metadata (``recording_metadata``: skeletons, row locks,
exactly-once blocks, one bulk update), Sentry replays, errors and clicks (``replays``), persons
and groups. Records of deleted environments and
of deleted recordings are dropped. Every record is idempotent (``records``), so applying a batch
twice — an aggregator that died after its commit and before acknowledging the entries — changes
nothing the second time. A database error rolls everything back; the entries stay in the log
and are applied again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from recordings.conditions import session_keys_condition
from recordings.models import DeletedRecording
from recordings.services.persons import groups_apply, persons_apply
from recordings.services.recording_metadata import FIRST_EVENT_NAMES, recording_blocks_apply
from recordings.services.records import IngestedBatch
from recordings.services.replays import replay_record_sessions, replay_records_apply
from recordings.services.session_events import session_events_store
from recordings_api.models import Environment

logger = logging.getLogger(__name__)
SessionKey = tuple[int, str]


@dataclass(frozen=True)
class BatchApplied:
    blocks: int
    duplicate_blocks: int
    dropped_blocks: int
    events: int
    persons: int


def _tombstoned(batch: IngestedBatch) -> set[SessionKey]:
    """The batch's deleted sessions, read once for every kind of record (blocks, events, replay
    segments, errors, clicks)."""
    keys = {(b.environment_id, b.session_id) for b in batch.blocks}
    keys |= {(e.environment_id, e.session_id) for e in batch.events}
    keys |= replay_record_sessions(batch)
    if not keys:
        return set()
    rows = DeletedRecording.objects.filter(session_keys_condition(keys)).values_list(
        "environment_id", "session_id"
    )
    return set(rows)


def _without_tombstoned(batch: IngestedBatch, gone: set[SessionKey]) -> IngestedBatch:
    if not gone:
        return batch
    return IngestedBatch(
        blocks=[b for b in batch.blocks if (b.environment_id, b.session_id) not in gone],
        events=[e for e in batch.events if (e.environment_id, e.session_id) not in gone],
        persons=batch.persons,
        groups=batch.groups,
    )


def ingested_batch_apply(*, batch: IngestedBatch) -> BatchApplied:
    """Apply every record of ``batch`` exactly once (see the module docstring)."""
    environments = Environment.objects.in_bulk(sorted(batch.environment_ids))
    gone = _tombstoned(batch)
    kept = _without_tombstoned(batch, gone)
    first_event_sessions = {
        (e.environment_id, e.session_id) for e in kept.events if e.event in FIRST_EVENT_NAMES
    }
    now = timezone.now()
    with transaction.atomic():
        events = session_events_store(events=kept.events, environments=environments)
        blocks = recording_blocks_apply(
            blocks=kept.blocks,
            event_sessions=first_event_sessions,
            environments=environments,
            now=now,
        )
        # Sentry replay segments, errors and clicks (both SDKs): after blocks, same transaction.
        replay_records_apply(
            batch=batch,
            new_recordings=blocks.created,
            tombstoned=gone,
            environments=environments,
            now=now,
        )
        persons_apply(updates=kept.persons, environments=environments)
        groups_apply(updates=kept.groups, environments=environments)
    applied = BatchApplied(
        blocks=blocks.applied,
        duplicate_blocks=blocks.duplicates,
        dropped_blocks=blocks.dropped + len(batch.blocks) - len(kept.blocks),
        events=events,
        persons=len(kept.persons),
    )
    logger.debug("ingested_batch_applied", extra=applied.__dict__)
    return applied

"""``replay_records_apply``: the replay, error and click records of a batch, applied at once.

Called by ``ingested_batch_apply`` inside its transaction, after snapshot blocks (so posthog-js
recordings created by this batch exist). Records of deleted environments or recordings are
dropped. Steps, each a constant number of statements:

1. error events, trace links, the element index and click rows are stored (``replay_errors``,
   ``clicks``), each once per identity;
2. the batch's sessions are locked (PostgreSQL advisory locks, in key order; SQLite serialises
   writers anyway), then each Sentry segment's parts are merged into its ``ReplaySegment`` row;
3. every Sentry replay the batch touched whose segment 0 is there is folded again from all its
   segments (``replay_fold``): its recording row is created with segment 0 and kept current
   after (a replay exists once its segment 0 arrived, as in Sentry);
4. posthog-js recordings the batch touched get their error lists and dead/rage counts again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime

from django.db import connection

from recordings.conditions import session_keys_condition as sessions_condition
from recordings.expiry import recording_expiry_stamp
from recordings.models import (
    RecordingTag,
    RecordingTrace,
    ReplaySegment,
    SessionRecording,
)
from recordings.services.clicks import click_counts, clicks_apply, elements_apply
from recordings.services.records import IngestedBatch, ReplaySegmentRecord
from recordings.services.replay_errors import error_lists, errors_store
from recordings.services.replay_fold import (
    FOLDED_FIELDS,
    ReplayInputs,
    SegmentState,
    event_fields_of,
    replay_fold,
)
from recordings_api.bulk_writes import rows_update
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime

SessionKey = tuple[int, str]
_POSTHOG_REFRESHED = ["error_ids", "warning_ids", "info_ids", "error_count", "warning_count", "info_count"]
_POSTHOG_REFRESHED += ["dead_click_count", "rage_click_count"]


def replay_record_sessions(batch: IngestedBatch) -> set[SessionKey]:
    """The sessions the batch's replay segments, trace links, clicks, elements and errors name."""
    rows: list[object] = [*batch.replay_segments, *batch.trace_links, *batch.clicks, *batch.elements]
    keys = {(row.environment_id, row.session_id) for row in rows}  # type: ignore[attr-defined]
    return keys | {(e.environment_id, e.session_id) for e in batch.errors if e.session_id}


def _kept(
    batch: IngestedBatch, environments: Mapping[int, Environment], gone: set[SessionKey]
) -> IngestedBatch:
    def keep(row: object) -> bool:
        key = (row.environment_id, row.session_id)  # type: ignore[attr-defined]
        return key[0] in environments and key not in gone

    return IngestedBatch(
        replay_segments=[r for r in batch.replay_segments if keep(r)],
        errors=[
            e
            for e in batch.errors
            if e.environment_id in environments and (e.environment_id, e.session_id) not in gone
        ],
        trace_links=[t for t in batch.trace_links if keep(t)],
        clicks=[c for c in batch.clicks if keep(c)],
        elements=[e for e in batch.elements if keep(e)],
    )


def _lock(keys: Iterable[SessionKey]) -> None:
    if connection.vendor != "postgresql":
        return
    numbers = sorted(
        {
            int.from_bytes(hashlib.blake2b(f"{e}/{s}".encode(), digest_size=8).digest(), "big", signed=True)
            for e, s in keys
        }
    )
    if numbers:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(k)) "
                "FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS ordered",
                [numbers],
            )


def _segments_store(records: Sequence[ReplaySegmentRecord]) -> None:
    keys = {(r.environment_id, r.session_id, r.segment_id) for r in records}
    existing = {
        (row.environment_id, row.session_id, row.segment_id): row
        for row in ReplaySegment.objects.filter(sessions_condition({(k[0], k[1]) for k in keys}))
        if (row.environment_id, row.session_id, row.segment_id) in keys
    }
    new: dict[tuple[int, str, int], ReplaySegment] = {}
    for record in records:
        key = (record.environment_id, record.session_id, record.segment_id)
        row = existing.get(key) or new.setdefault(
            key, ReplaySegment(environment_id=key[0], session_id=key[1], segment_id=key[2])
        )
        if record.event is not None:
            row.event = asdict(record.event)
            row.timestamp = ms_to_datetime(record.event.timestamp_ms)
            row.event_received_at = row.event_received_at or ms_to_datetime(record.event.received_ms)
        if record.recording is not None:
            row.recording = {
                "metadata": asdict(record.recording.metadata),
                "size_bytes": record.recording.size_bytes,
            }
            row.recording_received_at = row.recording_received_at or ms_to_datetime(
                record.recording.received_ms
            )
    ReplaySegment.objects.bulk_create(list(new.values()), batch_size=500)
    fields = ["event", "timestamp", "event_received_at", "recording", "recording_received_at"]
    rows_update(ReplaySegment, list(existing.values()), fields)


def _replay_inputs(replays: set[SessionKey]) -> dict[SessionKey, ReplayInputs]:
    inputs: dict[SessionKey, ReplayInputs] = {}
    rows = (
        ReplaySegment.objects.filter(sessions_condition(replays))
        .order_by("environment_id", "session_id", "segment_id")
        .values_list("environment_id", "session_id", "segment_id", "event", "recording")
    )
    for environment_id, session_id, segment_id, event, recording in rows:
        state = SegmentState(segment_id, event_fields_of(event), recording)
        inputs.setdefault((environment_id, session_id), ReplayInputs(segments=[])).segments.append(state)
    return {
        key: value
        for key, value in inputs.items()
        if value.segments and value.segments[0].segment_id == 0 and value.segments[0].event is not None
    }


def _tags_store(recordings: Iterable[SessionRecording]) -> None:
    rows = [
        RecordingTag(environment_id=r.environment_id, session_id=r.session_id, key=key, value=value)
        for r in recordings
        for key, values in (r.tags or {}).items()
        for value in values
    ]
    RecordingTag.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def _folded_values(row: SessionRecording) -> tuple[object, ...]:
    return tuple(getattr(row, name) for name in FOLDED_FIELDS)


def _changed_update(
    rows: Mapping[SessionKey, SessionRecording], before: Mapping[SessionKey, tuple[object, ...]]
) -> None:
    """Write back the rows the fold changed, in one statement."""
    changed = [row for key, row in rows.items() if _folded_values(row) != before[key]]
    rows_update(SessionRecording, changed, FOLDED_FIELDS)


def _replays_refold(replays: set[SessionKey], environments: Mapping[int, Environment], now: datetime) -> int:
    inputs = _replay_inputs(replays)
    if not inputs:
        return 0
    for environment_id, session_id, trace_id in RecordingTrace.objects.filter(
        sessions_condition(inputs)
    ).values_list("environment_id", "session_id", "trace_id"):
        inputs[(environment_id, session_id)].traces.append(trace_id)
    reported = {
        key: [error_id for s in value.segments if s.event for error_id in s.event.error_ids]
        for key, value in inputs.items()
    }
    lists = error_lists(sessions=inputs, reported=reported)
    counts = click_counts(sessions=inputs)
    rows = {
        (row.environment_id, row.session_id): row
        for row in SessionRecording.objects.select_for_update().filter(sessions_condition(inputs))
    }
    created = []
    before = {key: _folded_values(row) for key, row in rows.items()}
    for key, value in sorted(inputs.items()):
        value.errors = lists.get(key, value.errors)
        value.dead_clicks, value.rage_clicks = counts.get(key, (0, 0))
        row = rows.get(key)
        if row is None:
            environment = environments[key[0]]
            row = SessionRecording(
                environment=environment,
                session_id=key[1],
                retention_period_days=environment.session_recording_retention_days,
            )
            created.append(row)
        replay_fold(row, value, now=now)
        recording_expiry_stamp(row, environments[key[0]])
    SessionRecording.objects.bulk_create(created, batch_size=500)
    _changed_update(rows, before)
    _tags_store([*created, *rows.values()])
    return len(inputs)


def _posthog_refresh(sessions: set[SessionKey]) -> None:
    if not sessions:
        return
    lists = error_lists(sessions=sessions, reported={})
    counts = click_counts(sessions=sessions)
    changed = []
    for row in SessionRecording.objects.select_for_update().filter(sessions_condition(sessions)):
        key = (row.environment_id, row.session_id)
        found = lists[key]
        dead, rage = counts.get(key, (0, 0))
        values = (
            found.errors,
            found.warnings,
            found.infos,
            len(found.errors),
            len(found.warnings),
            len(found.infos),
            dead,
            rage,
        )
        if values != tuple(getattr(row, name) for name in _POSTHOG_REFRESHED):
            for name, value in zip(_POSTHOG_REFRESHED, values, strict=True):
                setattr(row, name, value)
            changed.append(row)
    rows_update(SessionRecording, changed, _POSTHOG_REFRESHED)


def replay_records_apply(
    *,
    batch: IngestedBatch,
    new_recordings: set[SessionKey],
    tombstoned: set[SessionKey],
    environments: Mapping[int, Environment],
    now: datetime,
) -> int:
    """Apply the batch's replay, error and click records (see the module docstring); returns how
    many Sentry replays were folded. Must run inside a transaction.

    ``tombstoned``: the batch's deleted sessions (their records are dropped). ``new_recordings``:
    the posthog-js recordings this batch created; with the sessions that got errors or clicks,
    they are the only ones whose error lists and click counts can have changed (errors and
    clicks stored before the recording existed are counted when it is created)."""
    if not batch.has_replay_records and not new_recordings:
        return 0
    kept = _kept(batch, environments, tombstoned)
    errors_store(errors=kept.errors, environments=environments)
    RecordingTrace.objects.bulk_create(
        [
            RecordingTrace(environment_id=t.environment_id, session_id=t.session_id, trace_id=t.trace_id)
            for t in kept.trace_links
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    elements_apply(elements=kept.elements)
    clicks_apply(clicks=kept.clicks)
    touched = replay_record_sessions(kept)
    _lock(touched)
    _segments_store(kept.replay_segments)
    replays = (
        set(
            ReplaySegment.objects.filter(sessions_condition(touched))
            .values_list("environment_id", "session_id")
            .distinct()
        )
        if touched
        else set()
    )
    folded = _replays_refold(replays, environments, now)
    _posthog_refresh((touched | new_recordings) - replays)
    return folded

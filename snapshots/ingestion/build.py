"""From validated capture items to what one request writes: buffer lines and accounting records.

Pure functions: no database, no Redis, no clock (items carry their corrected timestamps).

Per session, the ``$snapshot`` items are grouped by window into one JSONL line per window,
``{"window_id": …, "data": [rrweb events]}`` (ARCHITECTURE §4), scored by the line's earliest
event timestamp (ms) so the buffer orders lines like the replay does. rrweb events are stored as
received — ``cv: "2024-10"`` payloads stay compressed, the player decompresses them. The same
items always give the same lines, so a retried request appends nothing new to the buffer, and
the same ``block_key``, so its metadata is counted once.

Everything a request says is split by *partition* (``partition_of``: a hash of the session, or
of the distinct id for items without one): one ``PartitionWrite`` per partition holds its
sessions' lines and the accounting of those sessions (``recordings.services.records``:
block metadata, session events, person and group updates). The buffer appends a partition's
lines and its record atomically, in one round trip for the whole request. Click rows, the DOM
elements clicks resolve to and ``$exception`` errors are records too (``clicks``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from recordings.models import SessionRecording
from recordings.services.records import EventRow, GroupUpdate, IngestedBatch, PersonUpdate, SessionBlock
from snapshots.capture.payload import CaptureItem
from snapshots.ingestion.clicks import event_click_row, exception_error_record, session_click_records
from snapshots.ingestion.metadata import block_metadata_compute
from snapshots.live_buffer import BufferedLine, SessionLines, partition_of


@dataclass
class PartitionWrite:
    partition: int
    sessions: list[SessionLines] = field(default_factory=list)
    record: IngestedBatch = field(default_factory=IngestedBatch)


def snapshot_line(*, window_id: str, events_arrays: Sequence[bytes]) -> str:
    """One JSONL line (no newline) from the items' pre-serialized event arrays.

    Byte-for-byte ``orjson.dumps({"window_id": …, "data": [every event]})``: the arrays are
    spliced, not parsed again. Deterministic, so a retried request yields identical lines.
    """
    inner = b",".join(array[1:-1] for array in events_arrays if len(array) > 2)
    return (b'{"window_id":' + orjson.dumps(window_id) + b',"data":[' + inner + b"]}").decode("utf-8")


def block_key_of(lines: Iterable[BufferedLine]) -> str:
    """The identity of a block: a digest of its lines (the same lines, the same key)."""
    digest = hashlib.blake2b(digest_size=16)
    for item in lines:
        digest.update(item.line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def snapshot_source_of(value: Any) -> str:
    """``$snapshot_source`` → one of the model's choices (web when absent, like PostHog)."""
    if value is None or value == "":
        return SessionRecording.SnapshotSource.WEB
    lowered = str(value).lower()
    if lowered in SessionRecording.SnapshotSource.values:
        return lowered
    return SessionRecording.SnapshotSource.UNKNOWN


def _lines(windows: dict[str, list[CaptureItem]]) -> list[BufferedLine]:
    return [
        BufferedLine(
            score=min(int(event["timestamp"]) for item in window for event in item.snapshot_events),
            line=snapshot_line(window_id=window_id, events_arrays=[item.snapshot_json for item in window]),
        )
        for window_id, window in windows.items()
    ]


def _session_block(
    environment_id: int, session_id: str, windows: dict[str, list[CaptureItem]], lines: list[BufferedLine]
) -> SessionBlock | None:
    events = [event for window in windows.values() for item in window for event in item.snapshot_events]
    metadata = block_metadata_compute(events)
    if metadata is None:
        return None
    first = next(iter(windows.values()))[0]
    library, version = first.properties.get("$lib"), first.properties.get("$lib_version")
    return SessionBlock(
        environment_id=environment_id,
        session_id=session_id,
        block_key=block_key_of(lines),
        metadata=metadata,
        distinct_id=first.distinct_id,
        snapshot_source=snapshot_source_of(first.properties.get("$snapshot_source")),
        snapshot_library=str(library) if library else None,
        size_bytes=sum(len(item.line.encode("utf-8")) + 1 for item in lines),
        snapshot_library_version=str(version)[:64] if version else None,
    )


def _event_row(environment_id: int, item: CaptureItem) -> EventRow | None:
    if not item.session_id or item.timestamp is None:
        return None
    return EventRow(
        environment_id=environment_id,
        uuid=str(item.event_uuid),
        session_id=item.session_id,
        window_id=item.window_id or "",
        event=item.event,
        distinct_id=item.distinct_id,
        timestamp=item.timestamp,
        properties=item.properties,
    )


_RELATIONS = {"$identify": ("identify", "$anon_distinct_id"), "$create_alias": ("alias", "alias")}
_RELATIONS["$merge_dangerously"] = ("merge", "alias")


def person_update_of(environment_id: int, item: CaptureItem) -> PersonUpdate:
    """What one item says about its person (``recordings.services.persons`` has the rules)."""
    kind, other_id = "seen", None
    if not item.is_snapshot and item.event in _RELATIONS:
        kind, other_key = _RELATIONS[item.event]
        other = item.properties.get(other_key)
        other_id = other if isinstance(other, str) and other else None
        kind = kind if other_id else "seen"
    profile = not item.is_snapshot and item.properties.get("$process_person_profile") is not False
    return PersonUpdate(
        environment_id=environment_id,
        distinct_id=item.distinct_id,
        timestamp=item.timestamp,
        kind=kind,
        set=dict(item.person_set) if profile else {},
        set_once=dict(item.person_set_once) if profile else {},
        unset=list(item.person_unset) if profile else [],
        other_id=other_id,
    )


def group_update_of(environment_id: int, item: CaptureItem) -> GroupUpdate | None:
    """``$groupidentify`` → the group's properties; None for anything else or a malformed one."""
    if item.event != "$groupidentify":
        return None
    group_type, group_key = item.properties.get("$group_type"), item.properties.get("$group_key")
    group_set = item.properties.get("$group_set")
    if not isinstance(group_type, str) or not group_type or group_key in (None, ""):
        return None
    return GroupUpdate(
        environment_id=environment_id,
        group_type=group_type[:400],
        group_key=str(group_key)[:400],
        set=group_set if isinstance(group_set, dict) else {},
        timestamp=item.timestamp,
    )


def _coalesced(updates: list[PersonUpdate]) -> list[PersonUpdate]:
    """Consecutive bare sightings of one distinct id become one (the latest)."""
    kept: list[PersonUpdate] = []
    for update in updates:
        previous = kept[-1] if kept else None
        bare = update.kind == "seen" and not (update.set or update.set_once or update.unset)
        if (
            bare
            and previous is not None
            and previous.kind == "seen"
            and previous.distinct_id == update.distinct_id
        ):
            if update.timestamp and (previous.timestamp is None or update.timestamp > previous.timestamp):
                kept[-1] = PersonUpdate(previous.environment_id, previous.distinct_id, update.timestamp)
            continue
        kept.append(update)
    return kept


def _event_click_and_error(write: PartitionWrite, environment_id: int, item: CaptureItem) -> None:
    """``$rageclick``/``$dead_click`` → a click row, ``$exception`` → an error (``clicks``)."""
    if (click := event_click_row(environment_id=environment_id, item=item)) is not None:
        write.record.clicks.append(click)
    if (error := exception_error_record(environment_id=environment_id, item=item)) is not None:
        write.record.errors.append(error)


def capture_writes_build(
    *, environment_id: int, items: Sequence[CaptureItem], partitions: int
) -> list[PartitionWrite]:
    """What a request's items write, by partition (see the module docstring)."""
    writes: dict[int, PartitionWrite] = {}

    def write_for(key: str) -> PartitionWrite:
        partition = partition_of(environment_id=environment_id, key=key, partitions=partitions)
        return writes.setdefault(partition, PartitionWrite(partition))

    snapshots: dict[str, dict[str, list[CaptureItem]]] = defaultdict(lambda: defaultdict(list))
    persons: dict[int, list[PersonUpdate]] = defaultdict(list)
    for item in items:
        write = write_for(item.session_id or item.distinct_id)
        if item.is_snapshot:
            assert item.session_id is not None  # validated by the payload parser
            snapshots[item.session_id][item.window_id or item.session_id].append(item)
        elif (row := _event_row(environment_id, item)) is not None:
            write.record.events.append(row)
            _event_click_and_error(write, environment_id, item)
        if (group := group_update_of(environment_id, item)) is not None:
            write.record.groups.append(group)
        persons[write.partition].append(person_update_of(environment_id, item))
    for session_id, windows in snapshots.items():
        write = write_for(session_id)
        lines = _lines(windows)
        write.sessions.append(SessionLines(environment_id=environment_id, session_id=session_id, lines=lines))
        if (block := _session_block(environment_id, session_id, windows, lines)) is not None:
            write.record.blocks.append(block)
        elements, clicks = session_click_records(
            environment_id=environment_id, session_id=session_id, windows=windows
        )
        write.record.elements += elements
        write.record.clicks += clicks
    for partition, updates in persons.items():
        writes[partition].record.persons = _coalesced(updates)
    return sorted(writes.values(), key=lambda write: write.partition)

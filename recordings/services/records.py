"""What ingestion hands to ``recordings`` to apply: typed, storage-free records.

The capture adapters (``snapshots``) compute these from what an SDK sent, write them to the
ingest log, and the aggregators read them back and call ``ingested_batch_apply``. Every record
is safe to apply more than once: a ``SessionBlock`` carries a ``block_key`` (recorded once per
session, so a retried request or a re-read log entry is counted once), an ``EventRow`` its
``uuid`` (unique per environment), and a ``PersonUpdate`` is idempotent by nature (``$set`` and
``$set_once`` give the same result twice; ``last_seen_at`` only moves forward).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_URLS_COUNT = 25  # a recording (and a block) keeps at most this many distinct URLs


@dataclass
class BlockMetadata:
    """What one block of rrweb events (one request, one session) contributes to its recording."""

    first_timestamp: int  # ms
    last_timestamp: int  # ms
    event_count: int = 0
    click_count: int = 0
    keypress_count: int = 0
    mouse_activity_count: int = 0
    active_milliseconds: int = 0
    console_log_count: int = 0
    console_warn_count: int = 0
    console_error_count: int = 0
    first_url: str | None = None
    urls: list[str] = field(default_factory=list)


SUMMED_FIELDS = (
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
class SessionBlock:
    """One request's snapshot data of one session, as metadata."""

    environment_id: int
    session_id: str
    block_key: str  # identifies the block's lines: the same lines always give the same key
    metadata: BlockMetadata
    distinct_id: str
    snapshot_source: str
    snapshot_library: str | None
    size_bytes: int
    message_count: int = 1


@dataclass(frozen=True)
class EventRow:
    """A non-snapshot event of a session."""

    environment_id: int
    uuid: str
    session_id: str
    window_id: str
    event: str
    distinct_id: str
    timestamp: datetime
    properties: dict[str, Any]


@dataclass(frozen=True)
class PersonUpdate:
    """What one event says about the person behind ``distinct_id``, in PostHog's terms.

    ``kind``: ``seen`` (any event: the person exists and was seen at ``timestamp``), ``set``
    (apply ``set``/``set_once``/``unset``), ``identify`` / ``alias`` (link ``other_id`` to this
    person, merging an anonymous person), ``merge`` (``$merge_dangerously``: merge ``other_id``'s
    person whatever it is).
    """

    environment_id: int
    distinct_id: str
    timestamp: datetime | None
    kind: str = "seen"
    set: dict[str, Any] = field(default_factory=dict)
    set_once: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    other_id: str | None = None


@dataclass(frozen=True)
class GroupUpdate:
    """``$groupidentify``: the properties of one group (``$group_type`` / ``$group_key``)."""

    environment_id: int
    group_type: str
    group_key: str
    set: dict[str, Any]
    timestamp: datetime | None


@dataclass
class IngestedBatch:
    """Everything a batch of log entries carries, in log order (the order matters for persons)."""

    blocks: list[SessionBlock] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    persons: list[PersonUpdate] = field(default_factory=list)
    groups: list[GroupUpdate] = field(default_factory=list)

    def extend(self, other: IngestedBatch) -> None:
        self.blocks += other.blocks
        self.events += other.events
        self.persons += other.persons
        self.groups += other.groups

    @property
    def environment_ids(self) -> set[int]:
        rows: list[Any] = [*self.blocks, *self.events, *self.persons, *self.groups]
        return {row.environment_id for row in rows}

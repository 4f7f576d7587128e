"""What ingestion hands to ``recordings`` to apply: typed, storage-free records.

The capture adapters (``snapshots``) compute these from what an SDK sent, write them to the
ingest log, and the aggregators read them back and call ``ingested_batch_apply``. Every record
is safe to apply more than once: a ``SessionBlock`` carries a ``block_key`` (recorded once per
session, so a retried request or a re-read log entry is counted once), an ``EventRow`` its
``uuid`` (unique per environment), and a ``PersonUpdate`` is idempotent by nature (``$set`` and
``$set_once`` give the same result twice; ``last_seen_at`` only moves forward). The replay,
error and click records below are idempotent in the same way.
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
    snapshot_library_version: str | None = None  # ``$lib_version`` (the Sentry face's sdk.version)


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


# --- Sentry replays, errors and clicks ---------------------------------------------------------
# Times are epoch milliseconds. Every record is idempotent: segments are keyed by (replay,
# segment id) and each of their parts is a value (a re-applied part changes nothing), errors by
# event id, clicks by ``click_key``, elements by node, trace links and tags are set members.


@dataclass(frozen=True)
class ReplayEventFields:
    """A ``replay_event`` item (one segment), normalized (``snapshots.capture.sentry.items``)."""

    timestamp_ms: int
    replay_start_ms: int | None
    received_ms: int
    urls: list[str] = field(default_factory=list)
    error_ids: list[str] = field(default_factory=list)  # 32 lowercase hex
    trace_ids: list[str] = field(default_factory=list)
    replay_type: str = ""
    release: str = ""
    dist: str = ""
    environment: str = ""  # the SDK's environment string
    platform: str = ""
    sdk_name: str = ""
    sdk_version: str = ""
    user_id: str = ""
    user_email: str = ""
    user_username: str = ""
    user_ip: str = ""
    tags: list[list[str]] = field(default_factory=list)  # [key, value] pairs
    user_agent: str = ""


@dataclass(frozen=True)
class SegmentRecording:
    """What a ``replay_recording`` item's rrweb events add to the recording (PostHog-face metadata)."""

    metadata: BlockMetadata
    size_bytes: int
    received_ms: int


@dataclass(frozen=True)
class ReplaySegmentRecord:
    environment_id: int
    session_id: str  # the replay id, 32 lowercase hex
    segment_id: int
    event: ReplayEventFields | None = None
    recording: SegmentRecording | None = None


@dataclass(frozen=True)
class ErrorRecord:
    """An error event, linked to the recording ``session_id`` ("" when it names none)."""

    environment_id: int
    event_id: str  # 32 lowercase hex
    session_id: str
    timestamp_ms: int
    level: str = "error"
    message: str = ""
    exception_type: str = ""
    exception_value: str = ""
    release: str = ""
    environment: str = ""
    trace_id: str = ""
    platform: str = ""
    # The issue it groups into (``recordings.grouping``) and where it happened; "" in records
    # logged before grouping, which group by their type, value and message.
    fingerprint: str = ""
    culprit: str = ""


@dataclass(frozen=True)
class TraceLink:
    """A transaction of the recording's trace (Sentry ``transaction`` items)."""

    environment_id: int
    session_id: str
    trace_id: str


@dataclass(frozen=True)
class ElementAttributes:
    """What a click row shows of its element (Sentry's click fields, already cut to its limits)."""

    tag: str = ""
    element_id: str = ""
    classes: list[str] = field(default_factory=list)
    text: str = ""
    role: str = ""
    alt: str = ""
    testid: str = ""
    aria_label: str = ""
    title: str = ""
    component_name: str = ""


@dataclass(frozen=True)
class ClickRow:
    """One click row. An ``rrweb`` click whose node was not in its own request's DOM has
    ``resolved=False``: the aggregator resolves it against the session's element index."""

    environment_id: int
    session_id: str
    click_key: str
    source: str  # sentry | rrweb | event
    timestamp_ms: int
    element: ElementAttributes = field(default_factory=ElementAttributes)
    node_id: int | None = None
    segment_id: int | None = None
    window_id: str = ""
    selector: str = ""
    url: str = ""
    is_dead: bool = False
    is_rage: bool = False
    resolved: bool = True


@dataclass(frozen=True)
class ElementRow:
    """An element of a posthog-js session's DOM (``RecordingElement``). ``target_node_id`` is the
    link or button it belongs to; ``parent_node_id`` is set when that is still to be found (its
    parent was indexed by an earlier request)."""

    environment_id: int
    session_id: str
    window_id: str
    node_id: int
    element: ElementAttributes
    target_node_id: int | None = None
    parent_node_id: int | None = None


@dataclass
class IngestedBatch:
    """Everything a batch of log entries carries, in log order (the order matters for persons)."""

    blocks: list[SessionBlock] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    persons: list[PersonUpdate] = field(default_factory=list)
    groups: list[GroupUpdate] = field(default_factory=list)
    replay_segments: list[ReplaySegmentRecord] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    trace_links: list[TraceLink] = field(default_factory=list)
    clicks: list[ClickRow] = field(default_factory=list)
    elements: list[ElementRow] = field(default_factory=list)

    def extend(self, other: IngestedBatch) -> None:
        self.blocks += other.blocks
        self.events += other.events
        self.persons += other.persons
        self.groups += other.groups
        self.replay_segments += other.replay_segments
        self.errors += other.errors
        self.trace_links += other.trace_links
        self.clicks += other.clicks
        self.elements += other.elements

    @property
    def has_replay_records(self) -> bool:
        return bool(self.replay_segments or self.errors or self.trace_links or self.clicks or self.elements)

    @property
    def environment_ids(self) -> set[int]:
        rows: list[Any] = [*self.blocks, *self.events, *self.persons, *self.groups]
        rows += [*self.replay_segments, *self.errors, *self.trace_links, *self.clicks, *self.elements]
        return {row.environment_id for row in rows}

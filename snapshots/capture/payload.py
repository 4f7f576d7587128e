"""From decoded capture JSON to validated items.

Accepted shapes (every posthog-js version, reference §1.5 and §1.6):
- a JSON array of events, or one event object (``request_batching: false``);
- ``{"api_key": …, "batch": [events], "sent_at": …}`` (``/e/``, ``/batch/``).

Each event is validated on its own: a bad item is *rejected* with a code and the others are
kept, so a mixed batch is never lost as a whole. Every item needs an event name and a
``distinct_id`` (root or ``properties``), like PostHog's capture. ``$snapshot`` items need a
session id (``[A-Za-z0-9-]{1,70}``, PostHog's rule) and at least one rrweb event with a numeric
timestamp within 7 days of now; other events need ``timestamp`` (ISO 8601 or epoch) or
``offset`` (ms before sending). The item's time is corrected for client clock skew with
``sent_at`` like PostHog does: ``now + (timestamp - sent_at)``.

What reaches the database is made storable here (``sanitize``): properties (without
``$snapshot_data``), event name and distinct id lose NUL and lone surrogates and may nest at most
``MAX_DEPTH`` levels (else ``invalid_properties``). ``$snapshot_data`` is kept byte-exact and
serialized once into ``CaptureItem.snapshot_json`` (``invalid_snapshot_data`` when no encoder
can write it). Rejection codes: ``invalid_event``, ``missing_event``, ``invalid_properties``,
``missing_distinct_id``, ``missing_session_id``, ``missing_snapshot_data``, ``missing_timestamp``,
``timestamp_out_of_range``, ``invalid_snapshot_data``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from snapshots.capture.sanitize import MAX_DEPTH, TooDeep, events_json, storable_json, storable_text
from snapshots.ingestion.metadata import valid_events, within_clock_window

SNAPSHOT_EVENT = "$snapshot"
# Events sent without a uuid get one derived from their content, so a retry is the same event.
_UUID_NAMESPACE = uuid.UUID("5f0c0a52-1d6b-4c1e-9a53-2a0d6c1f7e11")
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,70}$")
_TOKEN_KEYS = ("token", "$token", "api_key")
_MAX_DISTINCT_ID_LENGTH = 200


class PayloadError(Exception):
    """The decoded JSON is not a capture payload at all."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class PayloadOverLimit(PayloadError):
    """More items, or snapshots of more sessions, than one request may carry (413): the client
    should send smaller batches. Checked before any item is parsed (items) and right after
    (sessions), so an oversized batch costs no per-item work beyond counting."""


@dataclass(frozen=True)
class RejectedItem:
    index: int
    code: str
    detail: str


@dataclass
class CaptureItem:
    index: int
    event: str
    uuid: uuid.UUID | None
    distinct_id: str
    properties: dict[str, Any]
    timestamp: datetime | None
    session_id: str | None
    window_id: str | None
    snapshot_events: list[dict[str, Any]] = field(default_factory=list)
    snapshot_json: bytes = b""  # the JSON array of snapshot_events, as stored
    # Person properties the event sets: ``$set``/``$set_once``/``$unset`` of its properties and,
    # as posthog-js sends them with ``$identify``, of the event itself (which wins).
    person_set: dict[str, Any] = field(default_factory=dict)
    person_set_once: dict[str, Any] = field(default_factory=dict)
    person_unset: list[str] = field(default_factory=list)

    @property
    def is_snapshot(self) -> bool:
        return self.event == SNAPSHOT_EVENT

    @property
    def event_uuid(self) -> UUID:
        """The event's uuid, or a stable one derived from its content when it was sent without."""
        if self.uuid is not None:
            return self.uuid
        moment = self.timestamp.isoformat() if self.timestamp else ""
        return uuid.uuid5(_UUID_NAMESPACE, f"{self.distinct_id}|{self.event}|{moment}|{self.session_id}")


@dataclass
class CapturePayload:
    token: str | None
    items: list[CaptureItem]
    rejected: list[RejectedItem]


def _str_or_none(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _token_of(data: dict[str, Any]) -> str | None:
    for key in _TOKEN_KEYS:
        token = _str_or_none(data.get(key))
        if token:
            return token
    properties = data.get("properties")
    return _str_or_none(properties.get("token")) if isinstance(properties, dict) else None


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 (``Z`` allowed) or epoch (seconds, or ms when large) → aware UTC datetime."""
    try:
        if isinstance(value, str) and value.strip():
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _item_timestamp(raw: dict[str, Any], *, sent_at: datetime | None, now: datetime) -> datetime | None:
    timestamp = parse_datetime(raw.get("timestamp"))
    item_sent_at = parse_datetime(raw.get("sent_at")) or sent_at
    offset = raw.get("offset")
    try:
        if timestamp is not None:
            return now + (timestamp - item_sent_at) if item_sent_at else timestamp
        if isinstance(offset, int | float) and not isinstance(offset, bool):
            return now - timedelta(milliseconds=offset)
    except OverflowError:
        return None  # a skew correction or an offset beyond the calendar: no usable time
    return None


def _uuid_of(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _session_ids(properties: dict[str, Any]) -> tuple[str | None, str | None]:
    session_id = _str_or_none(properties.get("$session_id"))
    if session_id and not SESSION_ID_PATTERN.match(session_id):
        session_id = None
    window_id = _str_or_none(properties.get("$window_id"))
    if window_id and not SESSION_ID_PATTERN.match(window_id):
        window_id = None
    return session_id, (window_id or session_id)


def _snapshot_events(properties: dict[str, Any]) -> list[Any]:
    data = properties.get("$snapshot_data")
    if isinstance(data, list):
        return data
    return [data] if isinstance(data, dict) else []


def _person_changes(raw: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """``$set``/``$set_once``/``$unset`` of the properties and of the event itself (storable)."""
    changes: dict[str, Any] = {}
    for key, name in (("$set", "person_set"), ("$set_once", "person_set_once")):
        merged: dict[str, Any] = {}
        for source in (properties.get(key), storable_json(raw.get(key))):
            if isinstance(source, dict):
                merged.update(source)
        changes[name] = merged
    unset: list[Any] = []
    for source in (properties.get("$unset"), storable_json(raw.get("$unset"))):
        if isinstance(source, list):
            unset += source
    changes["person_unset"] = [str(key) for key in unset if isinstance(key, str | int)]
    return changes


def _parse_item(
    index: int, raw: Any, *, sent_at: datetime | None, now: datetime
) -> CaptureItem | RejectedItem:
    if not isinstance(raw, dict):
        return RejectedItem(index, "invalid_event", "Each event must be a JSON object.")
    event = _str_or_none(raw.get("event"))
    if not event:
        return RejectedItem(index, "missing_event", "The event has no event name.")
    raw_properties = raw.get("properties")
    raw_properties = raw_properties if isinstance(raw_properties, dict) else {}
    try:
        # $snapshot_data stays out: it is stored as received (see _validate_snapshot).
        properties = storable_json({k: v for k, v in raw_properties.items() if k != "$snapshot_data"})
        person_changes = _person_changes(raw, properties)
    except TooDeep:
        return RejectedItem(index, "invalid_properties", f"Properties nest deeper than {MAX_DEPTH} levels.")
    distinct_id = _str_or_none(raw.get("distinct_id")) or _str_or_none(properties.get("distinct_id")) or ""
    session_id, window_id = _session_ids(properties)
    item = CaptureItem(
        index=index,
        event=storable_text(event),
        uuid=_uuid_of(raw.get("uuid")),
        distinct_id=storable_text(distinct_id[:_MAX_DISTINCT_ID_LENGTH]),
        properties=properties,
        timestamp=_item_timestamp(raw, sent_at=sent_at, now=now),
        session_id=session_id,
        window_id=window_id,
        **person_changes,
    )
    if not item.distinct_id:
        return RejectedItem(index, "missing_distinct_id", "The event has no distinct_id.")
    if item.is_snapshot:
        return _validate_snapshot(item, _snapshot_events(raw_properties), now=now)
    return _validate_event(item)


def _validate_snapshot(
    item: CaptureItem, raw_events: list[Any], *, now: datetime
) -> CaptureItem | RejectedItem:
    if not item.session_id:
        return RejectedItem(
            item.index, "missing_session_id", "$snapshot needs a $session_id of 1-70 letters, digits or '-'."
        )
    if not raw_events:
        return RejectedItem(item.index, "missing_snapshot_data", "$snapshot has no $snapshot_data events.")
    item.snapshot_events = valid_events(raw_events)
    if not item.snapshot_events:
        return RejectedItem(item.index, "missing_timestamp", "No rrweb event has a numeric timestamp.")
    timestamps = [int(event["timestamp"]) for event in item.snapshot_events]
    if not within_clock_window(timestamps, now_ms=int(now.timestamp() * 1000)):
        return RejectedItem(
            item.index, "timestamp_out_of_range", "rrweb event timestamps are 7 days or more away from now."
        )
    try:
        item.snapshot_json = events_json(item.snapshot_events)
    except TooDeep:
        return RejectedItem(item.index, "invalid_snapshot_data", "$snapshot_data nests too deeply to store.")
    return item


def _validate_event(item: CaptureItem) -> CaptureItem | RejectedItem:
    if item.timestamp is None:
        return RejectedItem(item.index, "missing_timestamp", "The event has no valid timestamp or offset.")
    return item


def _raw_items(data: Any) -> tuple[list[Any], dict[str, Any]]:
    """The list of raw events and the envelope (body-level fields) of a decoded body."""
    if isinstance(data, list):
        return data, {}
    if isinstance(data, dict):
        batch = data.get("batch", data.get("data"))
        if isinstance(batch, list):
            return batch, data
        if isinstance(batch, dict):
            return [batch], data
        if "event" in data:
            return [data], {}
    raise PayloadError("invalid_payload", "Expected an event, an array of events or {batch: [...]}.")


def capture_payload_parse(
    data: Any, *, now: datetime, max_items: int | None = None, max_sessions: int | None = None
) -> CapturePayload:
    """Validate every item of a decoded body; raises ``PayloadError`` only when the shape is wrong
    and ``PayloadOverLimit`` past ``max_items`` items or snapshots of ``max_sessions`` sessions."""
    raw_items, envelope = _raw_items(data)
    if not raw_items:
        raise PayloadError("no_events", "The payload contains no events.")
    if max_items is not None and len(raw_items) > max_items:
        raise PayloadOverLimit(
            "too_many_items",
            f"A request may carry at most {max_items} events; this one has {len(raw_items)}.",
        )
    sent_at = parse_datetime(envelope.get("sent_at"))
    token = _token_of(envelope)
    items: list[CaptureItem] = []
    rejected: list[RejectedItem] = []
    for index, raw in enumerate(raw_items):
        parsed = _parse_item(index, raw, sent_at=sent_at, now=now)
        (items if isinstance(parsed, CaptureItem) else rejected).append(parsed)  # type: ignore[arg-type]
        if token is None and isinstance(raw, dict):
            token = _token_of(raw)
    sessions = {item.session_id for item in items if item.is_snapshot}
    if max_sessions is not None and len(sessions) > max_sessions:
        detail = (
            f"A request may carry snapshots of at most {max_sessions} sessions; this one has {len(sessions)}."
        )
        raise PayloadOverLimit("too_many_sessions", detail)
    return CapturePayload(token=token, items=items, rejected=rejected)

"""Recording metadata of one block of rrweb events, with PostHog's ingestion rules (reference §3.4).

A *block* is what one capture request carries for one session (all its windows). Blocks are
summed into ``SessionRecording`` by ``recordings.services.recording_metadata``: counts, active
time, size and event counts add up; timestamps take min/max; ``first_url`` follows the earliest
block; ``urls`` is a set capped at ``MAX_URLS_COUNT``. Active time is therefore computed per
block, exactly like PostHog does per flushed block, and summed — a gap between two requests is
never "active".

Pure functions: no database, no clock (callers pass ``now_ms`` for the validity window).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from recordings.services.records import MAX_URLS_COUNT, BlockMetadata
from snapshots.capture.sanitize import storable_text

# rrweb EventType / IncrementalSource numbers (reference §3.1, §3.2).
META = 4
FULL_SNAPSHOT = 2
INCREMENTAL_SNAPSHOT = 3
PLUGIN = 6
SOURCE_MOUSE_MOVE = 1
SOURCE_MOUSE_INTERACTION = 2
SOURCE_INPUT = 5
SOURCE_TOUCH_MOVE = 6

CLICK_INTERACTIONS = frozenset({2, 3, 4, 9})  # Click, ContextMenu, DblClick, TouchEnd
MOUSE_ACTIVITY_SOURCES = frozenset({SOURCE_MOUSE_MOVE, SOURCE_MOUSE_INTERACTION, SOURCE_TOUCH_MOVE})
ACTIVE_SOURCES = frozenset({1, 2, 3, 4, 5, 6, 7, 12})
ACTIVITY_THRESHOLD_MS = 5000
MAX_URL_LENGTH = 4 * 1024
CONSOLE_PLUGIN = "rrweb/console@1"
_WARN_LEVELS = frozenset({"warn", "countReset"})
_ERROR_LEVELS = frozenset({"error", "assert"})
# Messages this far from "now" (either direction) are dropped, like PostHog's parser does.
MAX_CLOCK_DISTANCE_MS = 7 * 24 * 3600 * 1000


def event_timestamp(event: Any) -> int | None:
    """The event's ms timestamp when it is a valid rrweb event (numeric ``timestamp > 0``), else None."""
    if not isinstance(event, dict):
        return None
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value)


def valid_events(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Keep only events with a numeric ``timestamp > 0`` (PostHog's validity filter)."""
    return [event for event in events if event_timestamp(event) is not None]


def within_clock_window(timestamps: Sequence[int], *, now_ms: int) -> bool:
    """False when any timestamp is 7 days or more away from ``now_ms`` (the message is dropped)."""
    if not timestamps:
        return True
    return max(abs(min(timestamps) - now_ms), abs(max(timestamps) - now_ms)) < MAX_CLOCK_DISTANCE_MS


def _data(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    return data if isinstance(data, dict) else {}


def _source(event: dict[str, Any]) -> int | None:
    if event.get("type") != INCREMENTAL_SNAPSHOT:
        return None
    source = _data(event).get("source")
    return source if isinstance(source, int) and not isinstance(source, bool) else None


def is_click(event: dict[str, Any]) -> bool:
    return _source(event) == SOURCE_MOUSE_INTERACTION and _data(event).get("type") in CLICK_INTERACTIONS


def is_keypress(event: dict[str, Any]) -> bool:
    return _source(event) == SOURCE_INPUT


def is_mouse_activity(event: dict[str, Any]) -> bool:
    return _source(event) in MOUSE_ACTIVITY_SOURCES


def is_active(event: dict[str, Any]) -> bool:
    return _source(event) in ACTIVE_SOURCES


def href_from(event: dict[str, Any]) -> str | None:
    """Trimmed ``data.href`` (Meta) or ``data.payload.href`` (``$url_changed``/``$pageview``),
    cut at 4 KiB and storable (NUL and lone surrogates replaced)."""
    data = _data(event)
    payload = data.get("payload")
    candidates = (data.get("href"), payload.get("href") if isinstance(payload, dict) else None)
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return storable_text(candidate.strip()[:MAX_URL_LENGTH])
    return None


def console_level(event: dict[str, Any]) -> str | None:
    """ "log", "warn" or "error" for an ``rrweb/console@1`` plugin event, else None."""
    if event.get("type") != PLUGIN:
        return None
    data = _data(event)
    if data.get("plugin") != CONSOLE_PLUGIN:
        return None
    payload = data.get("payload")
    level = payload.get("level") if isinstance(payload, dict) else None
    if level in _WARN_LEVELS:
        return "warn"
    if level in _ERROR_LEVELS:
        return "error"
    return "log"  # info, debug, trace, … and unknown levels all count as log


def active_milliseconds(events: Sequence[dict[str, Any]]) -> int:
    """PostHog's segmentation: Σ over active segments of max(1, end - start); events sorted by time.

    A segment starts when there is none yet, when an active event follows an inactive segment, or
    when an active segment saw no active event for ``ACTIVITY_THRESHOLD_MS``. Otherwise the
    current segment extends to the event, active or not.
    """
    segments = _Segments()
    for event in sorted(events, key=lambda e: int(e["timestamp"])):
        segments.add(int(event["timestamp"]), is_active(event))
    return segments.total()


def _incremental_source(event: dict[str, Any], data: dict[str, Any]) -> int | None:
    source = data.get("source") if event.get("type") == INCREMENTAL_SNAPSHOT else None
    return source if isinstance(source, int) and not isinstance(source, bool) else None


def block_metadata_compute(events: Sequence[dict[str, Any]]) -> BlockMetadata | None:
    """Metadata of one block of *valid* events (see ``valid_events``); None for an empty block.

    One pass over the events, in time order; the rules are the predicates above
    (``is_click``, ``console_level``, ``href_from``…), applied to each event's source once.
    """
    if not events:
        return None
    ordered = sorted(events, key=lambda e: int(e["timestamp"]))
    block = BlockMetadata(
        first_timestamp=int(ordered[0]["timestamp"]),
        last_timestamp=int(ordered[-1]["timestamp"]),
        event_count=len(ordered),
    )
    segments = _Segments()
    for event in ordered:
        data = _data(event)
        source = _incremental_source(event, data)
        segments.add(int(event["timestamp"]), source in ACTIVE_SOURCES)
        if source is not None:
            block.click_count += source == SOURCE_MOUSE_INTERACTION and data.get("type") in CLICK_INTERACTIONS
            block.keypress_count += source == SOURCE_INPUT
            block.mouse_activity_count += source in MOUSE_ACTIVITY_SOURCES
        elif event.get("type") == PLUGIN:
            _count_console(block, console_level(event))
        if "href" in data or "payload" in data:
            _add_url(block, href_from(event))
    block.active_milliseconds = segments.total()
    return block


class _Segments:
    """``active_milliseconds``'s segmentation, fed one event at a time in time order."""

    def __init__(self) -> None:
        self.total_ms = 0
        self.started = self.active = False
        self.start = self.end = self.last_active = 0

    def add(self, ts: int, active: bool) -> None:
        new_segment = not self.started or (active and not self.active)
        if self.active and self.last_active + ACTIVITY_THRESHOLD_MS < ts:
            new_segment = True
        if active:
            self.last_active = ts
        if new_segment:
            self._close()
            self.started, self.active, self.start, self.end = True, active, ts, ts
        else:
            self.end = ts

    def _close(self) -> None:
        if self.started and self.active:
            self.total_ms += max(1, self.end - self.start)

    def total(self) -> int:
        self._close()
        self.started = False
        return self.total_ms


def _count_console(block: BlockMetadata, level: str | None) -> None:
    if level == "log":
        block.console_log_count += 1
    elif level == "warn":
        block.console_warn_count += 1
    elif level == "error":
        block.console_error_count += 1


def _add_url(block: BlockMetadata, url: str | None) -> None:
    if url:
        block.first_url = block.first_url or url
        if url not in block.urls and len(block.urls) < MAX_URLS_COUNT:
            block.urls.append(url)

"""A Sentry replay's recording, folded from its segments (reference §3.2), both faces at once.

``replay_fold`` recomputes the row from every stored segment, so segments may arrive in any
order, twice, or with their two parts apart. Sentry's rules:

- ``start_time`` = earliest ``replay_start_timestamp`` (else the earliest segment timestamp),
  ``end_time`` = latest segment ``timestamp``; ``segment_count`` = segments whose
  ``replay_event`` arrived;
- ``visited_urls`` = every segment's ``urls`` in segment order, repeats kept (``url_count`` is
  their number; at most ``MAX_VISITED_URLS`` are kept); ``releases`` = distinct non-empty;
  ``trace_ids`` = union of the segments' and of linked transactions';
- ``tags``: every ``key → [distinct values]``; ``sdk_*``, ``sdk_environment``, ``platform``,
  ``dist``, ``replay_type``, ``app_user_*`` and browser/OS/device (from the User-Agent): the first
  non-empty value in segment order;
- error lists (``replay_errors``) and dead/rage counts (``clicks``) are passed in.

The PostHog face's fields come from the segments' rrweb events, folded like posthog-js blocks
(``recording_block_merge``); ``urls``/``start_url`` follow the Sentry URLs when there are any,
``distinct_id`` is the user's id (else email, username, IP), and ``first_event_properties`` hold
``$browser``, ``$os``, ``$current_url``… so the PostHog face's filters see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from recordings.models import SessionRecording
from recordings.services.recording_attributes import MAX_VISITED_URLS, user_agent_attributes
from recordings.services.recording_metadata import recording_block_merge
from recordings.services.records import (
    MAX_URLS_COUNT,
    SUMMED_FIELDS,
    BlockMetadata,
    ReplayEventFields,
    SessionBlock,
)
from recordings.services.replay_errors import MAX_IDS, ErrorLists
from recordings_api.timestamps import ms_to_datetime

_FIRST_OF = {
    "sdk_name": "sdk_name",
    "sdk_version": "sdk_version",
    "sdk_environment": "environment",
    "platform": "platform",
    "dist": "dist",
    "replay_type": "replay_type",
    "app_user_id": "user_id",
    "app_user_email": "user_email",
    "app_user_username": "user_username",
    "app_user_ip": "user_ip",
}


@dataclass
class SegmentState:
    """One stored segment, as the fold reads it."""

    segment_id: int
    event: ReplayEventFields | None
    recording: dict[str, Any] | None


@dataclass
class ReplayInputs:
    segments: list[SegmentState]
    traces: list[str] = field(default_factory=list)
    errors: ErrorLists = field(default_factory=ErrorLists)
    dead_clicks: int = 0
    rage_clicks: int = 0


def event_fields_of(data: dict[str, Any] | None) -> ReplayEventFields | None:
    if not data:
        return None
    known = {f.name for f in fields(ReplayEventFields)}
    return ReplayEventFields(**{key: value for key, value in data.items() if key in known})


def _distinct(values: list[str], limit: int) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))[:limit]


def _posthog_fields_fold(recording: SessionRecording, inputs: ReplayInputs, start: datetime) -> None:
    for name in SUMMED_FIELDS:
        setattr(recording, name, 0)
    recording.size_bytes = recording.message_count = 0
    recording.start_url, recording.start_url_timestamp, recording.urls = None, None, []
    recording.start_time = recording.end_time = start
    for segment in inputs.segments:
        if not segment.recording:
            continue
        block = SessionBlock(
            environment_id=recording.environment_id,
            session_id=recording.session_id,
            block_key="",
            metadata=BlockMetadata(**segment.recording["metadata"]),
            distinct_id="",
            snapshot_source=SessionRecording.SnapshotSource.WEB,
            snapshot_library=None,
            size_bytes=int(segment.recording.get("size_bytes", 0)),
        )
        recording_block_merge(recording, block)


def _sentry_fields_fold(
    recording: SessionRecording, events: list[ReplayEventFields], inputs: ReplayInputs
) -> None:
    for column, attribute in _FIRST_OF.items():
        setattr(recording, column, next((getattr(e, attribute) for e in events if getattr(e, attribute)), ""))
    agent = next((e.user_agent for e in events if e.user_agent), "")
    for name, value in user_agent_attributes(agent).__dict__.items():
        setattr(recording, name, value)
    recording.releases = _distinct([e.release for e in events], 100)
    visited = [url for e in events for url in e.urls]
    recording.visited_urls, recording.url_count = visited[:MAX_VISITED_URLS], len(visited)
    recording.segment_count = len(events)
    recording.trace_ids = _distinct([t for e in events for t in e.trace_ids] + inputs.traces, MAX_IDS)
    tags: dict[str, list[str]] = {}
    for e in events:
        for key, value in e.tags:
            values = tags.setdefault(key, [])
            if value not in values:
                values.append(value)
    recording.tags = tags
    lists = inputs.errors
    recording.error_ids, recording.warning_ids, recording.info_ids = lists.errors, lists.warnings, lists.infos
    recording.error_count, recording.warning_count = len(lists.errors), len(lists.warnings)
    recording.info_count = len(lists.infos)
    recording.dead_click_count, recording.rage_click_count = inputs.dead_clicks, inputs.rage_clicks


def _posthog_view_of_sentry(recording: SessionRecording) -> None:
    distinct_urls = _distinct(list(recording.visited_urls), MAX_URLS_COUNT)
    if distinct_urls:
        recording.urls, recording.start_url = distinct_urls, distinct_urls[0][:512]
        recording.start_url_timestamp = recording.start_time
    user = (
        recording.app_user_id,
        recording.app_user_email,
        recording.app_user_username,
        recording.app_user_ip,
    )
    recording.distinct_id = next((value for value in user if value), "")[:400]
    recording.snapshot_source = SessionRecording.SnapshotSource.WEB
    recording.snapshot_library = (recording.sdk_name or "sentry")[:64]
    properties = {
        "$browser": recording.browser_name,
        "$browser_version": recording.browser_version,
        "$os": recording.os_name,
        "$os_version": recording.os_version,
        "$device": recording.device_name,
        "$current_url": recording.start_url or "",
        "$lib": recording.sdk_name,
        "$lib_version": recording.sdk_version,
        "$app_version": recording.releases[0] if recording.releases else "",
    }
    recording.first_event_properties = {key: value for key, value in properties.items() if value}


def replay_fold(recording: SessionRecording, inputs: ReplayInputs, *, now: datetime) -> None:
    """Recompute ``recording`` from ``inputs`` (segments in segment order; segment 0 has its event)."""
    events = [segment.event for segment in inputs.segments if segment.event is not None]
    starts = [e.replay_start_ms for e in events if e.replay_start_ms] or [e.timestamp_ms for e in events]
    start = ms_to_datetime(min(starts))
    end = ms_to_datetime(max(e.timestamp_ms for e in events))
    _posthog_fields_fold(recording, inputs, start)
    recording.start_time, recording.end_time = start, max(start, end)
    _sentry_fields_fold(recording, events, inputs)
    _posthog_view_of_sentry(recording)
    recording.last_ingested_at = now


FOLDED_FIELDS = [
    *SUMMED_FIELDS,
    "size_bytes",
    "message_count",
    "start_time",
    "end_time",
    "start_url",
    "start_url_timestamp",
    "urls",
    "distinct_id",
    "snapshot_source",
    "snapshot_library",
    "first_event_properties",
    "last_ingested_at",
    "expires_at",  # stamped after each fold (``recordings.expiry``)
    *_FIRST_OF,
    *user_agent_attributes("").__dict__,
    "releases",
    "visited_urls",
    "url_count",
    "segment_count",
    "trace_ids",
    "tags",
    "error_ids",
    "warning_ids",
    "info_ids",
    "error_count",
    "warning_count",
    "info_count",
    "dead_click_count",
    "rage_click_count",
]

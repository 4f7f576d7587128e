"""A parsed envelope → what it writes: snapshot lines and records, by partition.

Pure (the view passes the clock, the client IP and the request's User-Agent). Items are parsed
first (``envelope_contents_parse``), so a malformed item refuses the whole envelope before
anything is written. Then (``envelope_writes_build``), per replay segment:

- its ``replay_recording`` becomes one snapshot line (``lines``), scored by its earliest event
  (ms), plus the PostHog-face metadata of its events and its click rows (``breadcrumbs``);
- its ``replay_event`` becomes the segment's event part; both parts are one
  ``ReplaySegmentRecord`` (the aggregator folds segments into the recording once segment 0 is
  there). A segment whose events are 7 days or more away from now is dropped, like posthog-js
  data is.

``event`` items become ``ErrorRecord``s, ``transaction`` items ``TraceLink``s (when they name a
replay); ``session``, ``client_report`` and every other type are accepted and dropped. Everything
of a replay goes to the replay's partition; an error naming no replay to its event id's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from recordings.services.records import (
    ErrorRecord,
    ReplayEventFields,
    ReplaySegmentRecord,
    SegmentRecording,
    TraceLink,
)
from snapshots.capture.sentry.breadcrumbs import normalized_events, segment_clicks
from snapshots.capture.sentry.envelope import Envelope, EnvelopeInvalid
from snapshots.capture.sentry.items import (
    ReplayRecordingItem,
    error_event_parse,
    hex_id,
    replay_event_parse,
    replay_recording_parse,
    transaction_parse,
)
from snapshots.capture.sentry.lines import replay_segment_line
from snapshots.ingestion.build import PartitionWrite
from snapshots.ingestion.metadata import block_metadata_compute, within_clock_window
from snapshots.live_buffer import BufferedLine, SessionLines, partition_of


@dataclass
class SegmentParts:
    event: ReplayEventFields | None = None
    recording: ReplayRecordingItem | None = None


@dataclass
class EnvelopeContents:
    event_id: str | None
    segments: dict[tuple[str, int], SegmentParts] = field(default_factory=dict)
    errors: list[ErrorRecord] = field(default_factory=list)
    traces: list[TraceLink] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # item types accepted and dropped


@dataclass(frozen=True)
class RequestContext:
    environment_id: int
    received_ms: int
    client_ip: str
    user_agent: str
    max_recording_bytes: int


def _recording_replay_id(envelope: Envelope, contents: EnvelopeContents) -> str:
    replay_ids = {replay_id for replay_id, _ in contents.segments}
    if len(replay_ids) == 1:
        return next(iter(replay_ids))
    replay_id = hex_id(envelope.headers.get("event_id"))
    if replay_id is None:
        raise EnvelopeInvalid("replay_recording: the envelope names no replay (event_id)")
    return replay_id


def envelope_contents_parse(envelope: Envelope, context: RequestContext) -> EnvelopeContents:
    """Every item parsed (see the module docstring); raises ``EnvelopeInvalid``/``BodyTooLarge``."""
    headers = envelope.headers
    contents = EnvelopeContents(event_id=hex_id(headers.get("event_id")))
    for item in envelope.of_type("replay_event"):
        parsed = replay_event_parse(
            item.payload,
            received_ms=context.received_ms,
            client_ip=context.client_ip,
            user_agent=context.user_agent,
        )
        contents.segments.setdefault(
            (parsed.replay_id, parsed.segment_id), SegmentParts()
        ).event = parsed.fields
    recordings = envelope.of_type("replay_recording")
    if recordings:
        replay_id = _recording_replay_id(envelope, contents)
        for item in recordings:
            recording = replay_recording_parse(
                item.payload, max_decompressed_bytes=context.max_recording_bytes
            )
            contents.segments.setdefault(
                (replay_id, recording.segment_id), SegmentParts()
            ).recording = recording
    for item in envelope.of_type("event"):
        contents.errors.append(
            error_event_parse(
                item.payload,
                environment_id=context.environment_id,
                envelope_headers=headers,
                received_ms=context.received_ms,
            )
        )
    for item in envelope.of_type("transaction"):
        replay_id, trace_id = transaction_parse(item.payload, envelope_headers=headers)
        if replay_id and trace_id:
            contents.traces.append(TraceLink(context.environment_id, replay_id, trace_id))
    known = {"replay_event", "replay_recording", "event", "transaction"}
    contents.dropped = [item.type for item in envelope.items if item.type not in known]
    return contents


def _recording_part(
    write: PartitionWrite,
    *,
    replay_id: str,
    segment_id: int,
    recording: ReplayRecordingItem,
    context: RequestContext,
) -> SegmentRecording | None:
    events = normalized_events(recording.events)
    if not events:
        return None
    timestamps = [int(event["timestamp"]) for event in events]
    if not within_clock_window(timestamps, now_ms=context.received_ms):
        return None
    line = BufferedLine(
        score=min(timestamps),
        line=replay_segment_line(
            replay_id=replay_id, segment_id=segment_id, data=recording.data, events=list(recording.events)
        ),
    )
    write.sessions.append(
        SessionLines(environment_id=context.environment_id, session_id=replay_id, lines=[line])
    )
    write.record.clicks += segment_clicks(
        recording.events, environment_id=context.environment_id, replay_id=replay_id, segment_id=segment_id
    )
    metadata = block_metadata_compute(events)
    assert metadata is not None  # events is not empty
    return SegmentRecording(metadata, len(line.line.encode("utf-8")) + 1, context.received_ms)


def envelope_writes_build(
    contents: EnvelopeContents, context: RequestContext, *, partitions: int
) -> list[PartitionWrite]:
    writes: dict[int, PartitionWrite] = {}

    def write_for(key: str) -> PartitionWrite:
        partition = partition_of(environment_id=context.environment_id, key=key, partitions=partitions)
        return writes.setdefault(partition, PartitionWrite(partition))

    event_in_window: Callable[[ReplayEventFields], bool] = lambda fields: within_clock_window(  # noqa: E731
        [fields.timestamp_ms], now_ms=context.received_ms
    )
    for (replay_id, segment_id), parts in sorted(contents.segments.items()):
        write = write_for(replay_id)
        recording = (
            _recording_part(
                write, replay_id=replay_id, segment_id=segment_id, recording=parts.recording, context=context
            )
            if parts.recording is not None
            else None
        )
        event = parts.event if parts.event is not None and event_in_window(parts.event) else None
        if event is not None or recording is not None:
            write.record.replay_segments.append(
                ReplaySegmentRecord(context.environment_id, replay_id, segment_id, event, recording)
            )
    for error in contents.errors:
        write_for(error.session_id or error.event_id).record.errors.append(error)
    for trace in contents.traces:
        write_for(trace.session_id).record.trace_links.append(trace)
    return sorted(writes.values(), key=lambda write: write.partition)

"""Envelope items → normalized values (reference §3 to §5). Pure: no database, no clock.

- ``replay_event``: needs ``replay_id`` (32-hex or dashed UUID) and an integer ``segment_id``;
  ``error_ids``/``trace_ids`` must be UUIDs (Relay rejects the event otherwise); arrays are cut
  to 100 entries, strings to the model's limits; ``platform`` outside Sentry's list becomes
  ``other``; a user IP ``{{auto}}`` (or none, with ``sdk.settings.infer_ip: "auto"``) becomes the
  client's IP.
- ``replay_recording``: ``{"segment_id": N}`` + ``\\n`` + zlib, gzip or plain JSON of an array
  of rrweb events (objects).
- ``event`` (an error): its id, level, message, exception type/value, release, environment,
  trace id, grouping fingerprint and culprit (``recordings.grouping``) and the replay it names
  (``contexts.replay.replay_id``, ``tags.replayId``, the envelope header's ``trace.replay_id``).
- ``transaction``: the trace id and the replay it names, the same way.

Malformed input raises ``EnvelopeInvalid`` (a 400); a recording that decompresses past its cap
raises ``BodyTooLarge`` (a 413).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from recordings.grouping import error_culprit, error_fingerprint
from recordings.services.records import ErrorRecord, ReplayEventFields
from snapshots.capture.decoding import CaptureDecodeError, parse_json
from snapshots.capture.payload import parse_datetime
from snapshots.capture.sanitize import TooDeep, storable_json
from snapshots.capture.sentry.encoding import EncodingInvalid, recording_decompress
from snapshots.capture.sentry.envelope import EnvelopeInvalid
from snapshots.ingestion.elements import cut

MAX_ARRAY = 100
MAX_SEGMENT_ID = 65_535  # Sentry stores segment ids as UInt16
PLATFORMS = frozenset(
    {"as", "c", "cfml", "cocoa", "csharp", "elixir", "haskell", "go", "groovy", "java", "javascript"}
    | {"native", "node", "objc", "other", "perl", "php", "python", "ruby"}
)
LEVELS = {"fatal": "fatal", "error": "error", "warning": "warning", "warn": "warning", "info": "info"}
LEVELS.update({"log": "info", "debug": "debug"})
_AUTO_IP = "{{auto}}"
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def hex_id(value: Any) -> str | None:
    """A UUID (32 hex digits, or dashed) as 32 lowercase hex; None for anything else."""
    if not isinstance(value, str):
        return None
    if _HEX32.match(value):
        return value.lower()
    try:
        return uuid.UUID(value).hex if len(value) == 36 else None
    except ValueError:
        return None


def json_payload(payload: bytes, what: str) -> Any:
    try:
        return storable_json(parse_json(payload))
    except CaptureDecodeError:
        raise EnvelopeInvalid(f"the {what} item is not valid JSON") from None
    except TooDeep:
        raise EnvelopeInvalid(f"the {what} item nests too deeply") from None


def json_object(payload: bytes, what: str) -> dict[str, Any]:
    value = json_payload(payload, what)
    if not isinstance(value, dict):
        raise EnvelopeInvalid(f"the {what} item must be a JSON object")
    return value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def seconds_to_ms(value: Any) -> int | None:
    """Sentry times: float epoch seconds (or an RFC 3339 string) → epoch ms; None when absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and 0 < value < 1e11:
        return round(value * 1000)
    if isinstance(value, str) and value:
        parsed = parse_datetime(value)
        return None if parsed is None else round(parsed.timestamp() * 1000)
    return None


def _ids(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise EnvelopeInvalid(f"replay_event {what} must be a list")
    ids = []
    for item in value[:MAX_ARRAY]:
        parsed = hex_id(item)
        if parsed is None:
            raise EnvelopeInvalid(f"replay_event {what} holds {item!r}, which is not a UUID")
        ids.append(parsed)
    return list(dict.fromkeys(ids))


def _tags(value: Any) -> list[list[str]]:
    pairs = value.items() if isinstance(value, dict) else value if isinstance(value, list) else []
    tags: list[list[str]] = []
    for pair in pairs:
        if isinstance(pair, tuple | list) and len(pair) == 2:
            key, tag_value = cut(pair[0], 200), cut(pair[1], 200)
            if key and tag_value and len(tags) < MAX_ARRAY:
                tags.append([key, tag_value])
    return tags


def _user_agent(event: dict[str, Any], fallback: str) -> str:
    headers = _dict(event.get("request")).get("headers")
    pairs = headers.items() if isinstance(headers, dict) else headers if isinstance(headers, list) else []
    for pair in pairs:
        if isinstance(pair, tuple | list) and len(pair) == 2 and str(pair[0]).lower() == "user-agent":
            return cut(pair[1], 512)
    return cut(fallback, 512)


def _user_ip(event: dict[str, Any], client_ip: str) -> str:
    ip = _dict(event.get("user")).get("ip_address")
    infer = _dict(_dict(event.get("sdk")).get("settings")).get("infer_ip")
    if ip == _AUTO_IP or (ip in (None, "") and infer == "auto"):
        return client_ip
    return cut(ip, 45)


def _required_segment_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEGMENT_ID:
        raise EnvelopeInvalid(f"segment_id must be an integer from 0 to {MAX_SEGMENT_ID}")
    return value


@dataclass(frozen=True)
class ReplayEventItem:
    replay_id: str
    segment_id: int
    fields: ReplayEventFields


def replay_event_parse(
    payload: bytes, *, received_ms: int, client_ip: str, user_agent: str
) -> ReplayEventItem:
    event = json_object(payload, "replay_event")
    replay_id = hex_id(event.get("replay_id") or event.get("event_id"))
    if replay_id is None:
        raise EnvelopeInvalid("replay_event: missing replay_id")
    if "segment_id" not in event:
        raise EnvelopeInvalid("replay_event: missing segment_id")
    segment_id = _required_segment_id(event["segment_id"])
    user, sdk = _dict(event.get("user")), _dict(event.get("sdk"))
    raw_urls = event.get("urls")
    urls = raw_urls if isinstance(raw_urls, list) else []
    platform = cut(event.get("platform"), 64)
    fields = ReplayEventFields(
        timestamp_ms=seconds_to_ms(event.get("timestamp")) or received_ms,
        replay_start_ms=seconds_to_ms(event.get("replay_start_timestamp")),
        received_ms=received_ms,
        urls=[url for url in (cut(item, 4096) for item in urls[:MAX_ARRAY]) if url],
        error_ids=_ids(event.get("error_ids"), "error_ids"),
        trace_ids=_ids(event.get("trace_ids"), "trace_ids"),
        replay_type=cut(event.get("replay_type"), 16) or "session",
        release=cut(event.get("release"), 200),
        dist=cut(event.get("dist"), 64),
        environment=cut(event.get("environment"), 64),
        platform=platform if platform in PLATFORMS else "other",
        sdk_name=cut(sdk.get("name"), 128),
        sdk_version=cut(sdk.get("version"), 64),
        user_id=cut(user.get("id"), 128),
        user_email=cut(user.get("email"), 256),
        user_username=cut(user.get("username"), 128),
        user_ip=_user_ip(event, client_ip),
        tags=_tags(event.get("tags")),
        user_agent=_user_agent(event, user_agent),
    )
    return ReplayEventItem(replay_id, segment_id, fields)


@dataclass(frozen=True)
class ReplayRecordingItem:
    segment_id: int
    data: bytes  # the JSON array of rrweb events, as sent (decompressed)
    events: list[dict[str, Any]]


def replay_recording_parse(payload: bytes, *, max_decompressed_bytes: int) -> ReplayRecordingItem:
    newline = payload.find(b"\n")
    if newline == -1:
        raise EnvelopeInvalid("replay_recording: no header line")
    header = json_payload(payload[:newline], "replay_recording header")
    if not isinstance(header, dict) or "segment_id" not in header:
        raise EnvelopeInvalid("replay_recording: the header has no segment_id")
    segment_id = _required_segment_id(header["segment_id"])
    try:
        data = recording_decompress(payload[newline + 1 :], max_bytes=max_decompressed_bytes)
    except EncodingInvalid as error:
        raise EnvelopeInvalid(f"replay_recording: {error.reason}") from None
    try:
        events = parse_json(data)
    except CaptureDecodeError:
        raise EnvelopeInvalid("replay_recording: the events are not valid JSON") from None
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise EnvelopeInvalid("replay_recording: the events must be a JSON array of objects")
    return ReplayRecordingItem(segment_id, data, events)


def _replay_of(event: dict[str, Any], envelope_headers: dict[str, Any]) -> str:
    """The replay an error or transaction names: its context, its tag, the envelope's trace."""
    candidates = [_dict(_dict(event.get("contexts")).get("replay")).get("replay_id")]
    tags = event.get("tags")
    if isinstance(tags, dict):
        candidates.append(tags.get("replayId"))
    elif isinstance(tags, list):
        candidates += [
            pair[1] for pair in tags if isinstance(pair, list) and len(pair) == 2 and pair[0] == "replayId"
        ]
    candidates.append(_dict(envelope_headers.get("trace")).get("replay_id"))
    for candidate in candidates:
        replay_id = hex_id(candidate)
        if replay_id is not None:
            return replay_id
    return ""


def _trace_of(event: dict[str, Any], envelope_headers: dict[str, Any]) -> str:
    trace = hex_id(_dict(_dict(event.get("contexts")).get("trace")).get("trace_id"))
    return trace or hex_id(_dict(envelope_headers.get("trace")).get("trace_id")) or ""


def _message(event: dict[str, Any]) -> str:
    message = event.get("message")
    if isinstance(message, dict):
        message = message.get("formatted") or message.get("message")
    if not isinstance(message, str) or not message:
        logentry = _dict(event.get("logentry"))
        message = logentry.get("formatted") or logentry.get("message")
    return cut(message, 8192)


def error_event_parse(
    payload: bytes, *, environment_id: int, envelope_headers: dict[str, Any], received_ms: int
) -> ErrorRecord:
    event = json_object(payload, "event")
    event_id = hex_id(event.get("event_id")) or hex_id(envelope_headers.get("event_id"))
    if event_id is None:
        raise EnvelopeInvalid("event: missing or invalid event_id")
    values = _dict(event.get("exception")).get("values")
    main = _dict(values[-1]) if isinstance(values, list) and values else {}
    level = event.get("level")
    message = _message(event)
    exception_type, exception_value = cut(main.get("type"), 256), cut(main.get("value"), 8192)
    return ErrorRecord(
        environment_id=environment_id,
        event_id=event_id,
        session_id=_replay_of(event, envelope_headers),
        timestamp_ms=seconds_to_ms(event.get("timestamp")) or received_ms,
        level=LEVELS.get(level.lower(), "error") if isinstance(level, str) else "error",
        message=message,
        exception_type=exception_type,
        exception_value=exception_value,
        release=cut(event.get("release"), 200),
        environment=cut(event.get("environment"), 64),
        trace_id=_trace_of(event, envelope_headers),
        platform=cut(event.get("platform"), 64),
        fingerprint=error_fingerprint(
            exception_type=exception_type,
            exception_value=exception_value,
            stacktrace=main.get("stacktrace"),
            message=message,
            custom=event.get("fingerprint"),
        ),
        culprit=error_culprit(main.get("stacktrace")),
    )


def transaction_parse(payload: bytes, *, envelope_headers: dict[str, Any]) -> tuple[str, str]:
    """``(replay id, trace id)`` of a transaction; either may be ""."""
    event = json_object(payload, "transaction")
    return _replay_of(event, envelope_headers), _trace_of(event, envelope_headers)

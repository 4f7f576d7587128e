"""The ingest log's entry format: one ``IngestedBatch`` part as versioned JSON.

``{"v": 1, "blocks": [...], "events": [...], "persons": [...], "groups": [...]}`` with each
record's fields by name; times are ISO 8601 with microseconds (what capture computed, exactly).
Replay, error and click records (``REPLAY_PARTS``) ride in more keys of the same version, their
times in epoch ms; an entry without them reads as before. (Deploy aggregators before the web
processes that write these keys: an older aggregator would skip them.)
``record_decode`` raises ``RecordInvalid`` for anything else, which the aggregators log and drop
(only this module writes entries, so that means a bug or a format from the future).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from recordings.services.records import (
    BlockMetadata,
    ClickRow,
    ElementAttributes,
    ElementRow,
    ErrorRecord,
    EventRow,
    GroupUpdate,
    IngestedBatch,
    PersonUpdate,
    ReplayEventFields,
    ReplaySegmentRecord,
    SegmentRecording,
    SessionBlock,
    TraceLink,
)

VERSION = 1


class RecordInvalid(ValueError):
    """A log entry this version cannot read."""


def _parse_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


REPLAY_PARTS = ("replay_segments", "errors", "trace_links", "clicks", "elements")


def record_encode(batch: IngestedBatch) -> bytes:
    """orjson writes the dataclasses field by field and datetimes as ISO 8601 (in C: this runs
    on the capture path)."""
    body: dict[str, Any] = {"v": VERSION}
    for name in ("blocks", "events", "persons", "groups", *REPLAY_PARTS):
        if records := getattr(batch, name):
            body[name] = records
    return orjson.dumps(body)


def _segment(data: dict[str, Any]) -> ReplaySegmentRecord:
    event, recording = data.get("event"), data.get("recording")
    return ReplaySegmentRecord(
        **{
            **data,
            "event": ReplayEventFields(**event) if event is not None else None,
            "recording": (
                SegmentRecording(**{**recording, "metadata": BlockMetadata(**recording["metadata"])})
                if recording is not None
                else None
            ),
        }
    )


def _replay_parts(body: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        "replay_segments": [_segment(item) for item in body.get("replay_segments", [])],
        "errors": [ErrorRecord(**item) for item in body.get("errors", [])],
        "trace_links": [TraceLink(**item) for item in body.get("trace_links", [])],
        "clicks": [
            ClickRow(**{**item, "element": ElementAttributes(**item["element"])})
            for item in body.get("clicks", [])
        ],
        "elements": [
            ElementRow(**{**item, "element": ElementAttributes(**item["element"])})
            for item in body.get("elements", [])
        ],
    }


def _block(data: dict[str, Any]) -> SessionBlock:
    return SessionBlock(**{**data, "metadata": BlockMetadata(**data["metadata"])})


def record_decode(data: bytes | str) -> IngestedBatch:
    try:
        body = orjson.loads(data)
        if not isinstance(body, dict) or body.get("v") != VERSION:
            raise RecordInvalid(
                f"unknown ingest record version {body.get('v') if isinstance(body, dict) else None!r}"
            )
        return IngestedBatch(
            blocks=[_block(item) for item in body.get("blocks", [])],
            events=[
                EventRow(**{**item, "timestamp": _parse_time(item["timestamp"])})
                for item in body.get("events", [])
            ],
            persons=[
                PersonUpdate(**{**item, "timestamp": _parse_time(item["timestamp"])})
                for item in body.get("persons", [])
            ],
            groups=[
                GroupUpdate(**{**item, "timestamp": _parse_time(item["timestamp"])})
                for item in body.get("groups", [])
            ],
            **_replay_parts(body),
        )
    except (orjson.JSONDecodeError, TypeError, KeyError, ValueError) as error:
        if isinstance(error, RecordInvalid):
            raise
        raise RecordInvalid(f"malformed ingest record: {error}") from error

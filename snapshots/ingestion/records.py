"""The ingest log's entry format: one ``IngestedBatch`` part as versioned JSON.

``{"v": 1, "blocks": [...], "events": [...], "persons": [...], "groups": [...]}`` with each
record's fields by name; times are ISO 8601 with microseconds (what capture computed, exactly).
``record_decode`` raises ``RecordInvalid`` for anything else, which the aggregators log and drop
(only this module writes entries, so that means a bug or a format from the future).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from recordings.services.records import (
    BlockMetadata,
    EventRow,
    GroupUpdate,
    IngestedBatch,
    PersonUpdate,
    SessionBlock,
)

VERSION = 1


class RecordInvalid(ValueError):
    """A log entry this version cannot read."""


def _parse_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def record_encode(batch: IngestedBatch) -> bytes:
    """orjson writes the dataclasses field by field and datetimes as ISO 8601 (in C: this runs
    on the capture path)."""
    body: dict[str, Any] = {"v": VERSION}
    for name in ("blocks", "events", "persons", "groups"):
        if records := getattr(batch, name):
            body[name] = records
    return orjson.dumps(body)


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
        )
    except (orjson.JSONDecodeError, TypeError, KeyError, ValueError) as error:
        if isinstance(error, RecordInvalid):
            raise
        raise RecordInvalid(f"malformed ingest record: {error}") from error

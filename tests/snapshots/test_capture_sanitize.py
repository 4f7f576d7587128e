"""What reaches storage: storable text/JSON for database columns, byte-exact rrweb lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from snapshots.capture.payload import CaptureItem
from snapshots.capture.sanitize import MAX_DEPTH, TooDeep, events_json, storable_json, storable_text
from snapshots.ingestion.build import capture_writes_build, snapshot_line


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain ascii", "plain ascii"),
        ("café 😀", "café 😀"),
        ("a\x00b", "a\ufffdb"),
        ("\ud800x\udfff", "\ufffdx\ufffd"),
        ("", ""),
    ],
)
def test_storable_text(value: str, expected: str) -> None:
    assert storable_text(value) == expected
    storable_text(value).encode("utf-8")  # always encodable


def test_storable_json_cleans_keys_and_values_and_keeps_other_types() -> None:
    value = {"k\x00": ["v\ud800", 1, 1.5, None, True, {"n": 2**64 - 1}], "big": 1e30, "neg": -1e19}
    assert storable_json(value) == {
        "k\ufffd": ["v\ufffd", 1, 1.5, None, True, {"n": 2**64 - 1}],
        "big": "1e+30",
        "neg": "-1e+19",
    }


def test_storable_json_refuses_nesting_past_the_limit() -> None:
    value: Any = "leaf"
    for _ in range(MAX_DEPTH):
        value = [value]
    assert storable_json(value) == value
    with pytest.raises(TooDeep):
        storable_json({"one more": value})


def test_events_json_is_what_orjson_writes_and_falls_back_for_surrogates() -> None:
    events = [{"type": 2, "data": "\x1f\x8b\x08\x00\xff", "timestamp": 1}]
    assert events_json(events) == orjson.dumps(events)
    with_surrogate = [{"type": 5, "data": {"t": "\ud83d"}, "timestamp": 1}]
    assert json.loads(events_json(with_surrogate)) == with_surrogate
    assert events_json(with_surrogate) == events_json(with_surrogate)  # deterministic


def test_events_json_refuses_what_no_encoder_writes() -> None:
    value: Any = []
    for _ in range(5000):
        value = [value]
    with pytest.raises(TooDeep):
        events_json([value])


def _snapshot(session_id: str, window_id: str, events: list[dict[str, Any]]) -> CaptureItem:
    return CaptureItem(
        index=0,
        event="$snapshot",
        uuid=None,
        distinct_id="d",
        properties={},
        timestamp=datetime.now(UTC),
        session_id=session_id,
        window_id=window_id,
        snapshot_events=events,
        snapshot_json=events_json(events),
    )


def test_lines_splice_the_items_arrays_into_what_orjson_writes_for_the_whole_line() -> None:
    first: list[dict[str, Any]] = [{"type": 4, "data": {"href": "https://x"}, "timestamp": 20}]
    second: list[dict[str, Any]] = [
        {"type": 3, "data": {"source": 2, "type": 2}, "timestamp": 10},
        {"type": 6, "timestamp": 30},
    ]
    items = [_snapshot("s", "w1", first), _snapshot("s", "w2", []), _snapshot("s", "w1", second)]
    items[1].snapshot_events = [{"type": 4, "timestamp": 5}]
    items[1].snapshot_json = events_json(items[1].snapshot_events)

    [write] = capture_writes_build(environment_id=1, items=items, partitions=4)
    [session] = write.sessions

    assert [(line.score, line.line) for line in session.lines] == [
        (10, orjson.dumps({"window_id": "w1", "data": first + second}).decode()),
        (5, orjson.dumps({"window_id": "w2", "data": [{"type": 4, "timestamp": 5}]}).decode()),
    ]
    [block] = write.record.blocks
    assert (block.session_id, block.distinct_id, block.metadata.event_count) == ("s", "d", 4)
    assert snapshot_line(window_id="w", events_arrays=[b"[]", b"[1]"]) == '{"window_id":"w","data":[1]}'

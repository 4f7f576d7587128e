"""Malformed capture input: never a 500, always the error shape or a 200 listing what was rejected.

Property-based (hypothesis) over every field of ``$snapshot`` and analytics items with values of
every JSON type (NUL, lone surrogates, huge numbers, nesting), then one named test per defect
the fuzzing found. Run on PostgreSQL too: it refuses NUL and lone surrogates where SQLite does not.
"""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recordings.models import Person, PersonDistinctId, SessionEvent, SessionRecording
from recordings_api.models import Environment
from recordings_api.renderers import json_dumps
from tests.snapshots.test_capture_support import (
    buffered_events,
    click,
    drain,
    embedded_buffer,  # noqa: F401
    event_item,
    full_snapshot,
    meta,
    new_session_id,
    now_ms,
    post_gzip,
    snapshot_item,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")
ERROR_KEYS = {"type", "code", "detail", "attr"}
FUZZ_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- strategies -----------------------------------------------------------------------------

nasty_text = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "é" * 3, "x" * 5000, "2020-13-45"]
)
text = st.text(max_size=12) | nasty_text
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
timestamps = (
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-01-01T00:00:00"]) | json_values
)
rrweb_events = st.fixed_dictionaries(
    {"type": st.integers(-1, 8) | json_values, "timestamp": st.just(now_ms()) | timestamps},
    optional={"data": json_values},
)
snapshot_data = st.lists(rrweb_events | json_values, max_size=4) | rrweb_events | json_values
ITEM_FIELDS = ("event", "uuid", "timestamp", "offset", "sent_at", "distinct_id", "properties")
PROPERTY_FIELDS = (
    "$session_id",
    "$window_id",
    "$snapshot_data",
    "distinct_id",
    "$lib",
    "$snapshot_source",
    "$set",
    "$set_once",
    "$unset",
    "$anon_distinct_id",
    "$process_person_profile",
    "$current_url",
)


@st.composite
def mangled_items(draw: st.DrawFn, token: str) -> dict[str, Any]:
    """A valid $snapshot or $pageview item with some top-level and property fields replaced."""
    session_id = new_session_id()
    if draw(st.booleans()):
        item = snapshot_item(token=token, session_id=session_id, events=[meta(now_ms()), click(now_ms())])
    else:
        item = event_item(
            token=token, event=draw(st.sampled_from(["$pageview", "$identify", "x"])), session_id=session_id
        )
    for name in draw(st.lists(st.sampled_from(ITEM_FIELDS), max_size=3, unique=True)):
        item[name] = draw(timestamps if name in ("timestamp", "sent_at", "offset") else json_values)
    properties = item.get("properties")
    if isinstance(properties, dict):
        for name in draw(st.lists(st.sampled_from(PROPERTY_FIELDS), max_size=4, unique=True)):
            properties[name] = draw(snapshot_data if name == "$snapshot_data" else json_values)
    return item


def encoded(body: Any, *, gzipped: bool) -> bytes:
    raw = json.dumps(body, ensure_ascii=True).encode()  # lone surrogates travel as \ud800 escapes
    return gzip.compress(raw) if gzipped else raw


def assert_clean_answer(response: Any) -> dict[str, Any]:
    """No server error; JSON in PostHog's error shape, or 200 with well-formed rejections (and
    then the ingest log applies cleanly)."""
    assert response.status_code in (200, 400, 401), response.content[:500]
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    if response.status_code != 200:
        assert set(body) == ERROR_KEYS and body["code"] and body["detail"]
        return body
    assert body["status"] == 1
    drain()
    for rejected in body.get("rejected", []):
        assert set(rejected) == {"index", "code", "detail"}
    return body


# --- properties -----------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(data=st.data())
def test_mangled_items_get_a_clean_answer(environment: Environment, data: st.DataObject) -> None:
    body = data.draw(st.lists(mangled_items(environment.api_token), min_size=1, max_size=3) | json_values)
    response = Client().post(
        "/s/", data=encoded(body, gzipped=data.draw(st.booleans())), content_type="text/plain"
    )
    assert_clean_answer(response)


@FUZZ_SETTINGS
@given(data=st.data())
def test_a_good_item_survives_any_neighbours(environment: Environment, data: st.DataObject) -> None:
    """Whatever else a batch holds, its valid item is stored and the others are listed."""
    token, session_id, ts = environment.api_token, new_session_id(), now_ms() - 500
    good = snapshot_item(token=token, session_id=session_id, events=[meta(ts), full_snapshot(ts + 1)])
    neighbours = data.draw(st.lists(mangled_items(token) | json_values, max_size=3))
    position = data.draw(st.integers(0, len(neighbours)))
    batch = [*neighbours[:position], good, *neighbours[position:]]

    response = Client().post("/s/", data=encoded(batch, gzipped=True), content_type="text/plain")

    body = assert_clean_answer(response)
    assert response.status_code == 200
    assert position not in {rejected["index"] for rejected in body.get("rejected", [])}
    assert [event for _, event in buffered_events(environment.id, session_id)] == good["properties"][
        "$snapshot_data"
    ]
    assert SessionRecording.objects.get(environment=environment, session_id=session_id).event_count == 2


# --- what the fuzzing found -----------------------------------------------------------------


def _post_raw(body: bytes) -> Any:
    response = Client().post("/s/", data=gzip.compress(body), content_type="text/plain")
    drain()
    return response


@pytest.mark.parametrize(
    "body",
    [
        b'[{"event":"$snapshot","properties":{"$snapshot_data":[{"type":4,"timestamp":NaN}]}}]',
        b'[{"event":"$pageview","offset":Infinity,"properties":{}}]',
        b'[{"event":"$pageview","timestamp":-Infinity,"properties":{"x":"\\ud800"}}]',
        b'[{"event":"x","properties":{"n":1e999,"s":"\\ud800"}}]',
        b'[{"event":"x","properties":{"n":1' + b"0" * 5000 + b',"s":"\\ud800"}}]',
        b"[" * 100_000 + b"]" * 100_000,
        b'[{"event":"x","properties":{"s":"\\ud800","deep":' + b"[" * 5000 + b"]" * 5000 + b"}}]",
    ],
    ids=[
        "nan",
        "infinity",
        "minus_infinity",
        "float_overflow",
        "int_of_5000_digits",
        "deep_array",
        "deep_after_surrogate",
    ],
)
def test_non_json_numbers_and_runaway_nesting_are_invalid_json(environment: Environment, body: bytes) -> None:
    response = _post_raw(body)
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_json",
        "detail": "The body is not valid JSON.",
        "attr": "body",
    }


def test_properties_nested_past_the_limit_are_rejected_per_item(environment: Environment) -> None:
    token, session_id = environment.api_token, new_session_id()
    deep: Any = "leaf"
    for _ in range(70):
        deep = {"a": deep}
    too_deep = event_item(token=token, event="$pageview", session_id=session_id, nested=deep)
    fine = event_item(token=token, event="$pageview", session_id=session_id)

    response = post_gzip(Client(), "/e/", [too_deep, fine])

    assert response.json() == {
        "status": 1,
        "rejected": [
            {"index": 0, "code": "invalid_properties", "detail": "Properties nest deeper than 64 levels."}
        ],
    }
    assert list(SessionEvent.objects.values_list("uuid", flat=True)) == [uuid.UUID(fine["uuid"])]


def test_nul_and_lone_surrogates_are_replaced_where_stored_and_kept_in_snapshot_data(
    environment: Environment,
) -> None:
    """PostgreSQL refuses both; rrweb data keeps them (cv payloads are latin-1 gzip bytes)."""
    token, session_id, ts = environment.api_token, new_session_id(), now_ms() - 1000
    cv_like = {"type": 2, "data": "\x1f\x8b\x08\x00\x00\x00", "cv": "2024-10", "timestamp": ts + 1}
    events = [
        meta(ts, href="https://shop.example/a\x00b\ud800"),
        cv_like,
        {"type": 5, "data": {"t": "\ud83d"}, "timestamp": ts + 2},
    ]
    snapshot = snapshot_item(
        token=token,
        session_id=session_id,
        events=events,
        distinct_id="d\x00\ud800",
        **{"timestamp": datetime.now(UTC).isoformat()},
    )
    snapshot["properties"]["$lib"] = "web\x00"
    pageview = event_item(
        token=token,
        event="$page\x00view",
        session_id=session_id,
        distinct_id="d\x00\ud800",
        **{"k\x00": "v\ud800", "$set": {"name": "\x00"}},
    )

    response = Client().post(
        "/s/", data=encoded([snapshot, pageview], gzipped=True), content_type="text/plain"
    )

    assert response.json() == {"status": 1}
    drain()
    assert [event for _, event in buffered_events(environment.id, session_id)] == events
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    assert (recording.distinct_id, recording.snapshot_library) == ("d\ufffd\ufffd", "web\ufffd")
    assert recording.start_url == "https://shop.example/a\ufffdb\ufffd"
    stored = SessionEvent.objects.get(session_id=session_id)
    assert (stored.event, stored.distinct_id) == ("$page\ufffdview", "d\ufffd\ufffd")
    assert stored.properties["k\ufffd"] == "v\ufffd"
    assert Person.objects.get(environment=environment).properties == {"name": "\ufffd"}
    assert PersonDistinctId.objects.get(environment=environment).distinct_id == "d\ufffd\ufffd"


@pytest.mark.parametrize("token", ["phc_\x00", "phc_\ud800", "phc_é"])
def test_tokens_that_cannot_exist_are_401(environment: Environment, token: str) -> None:
    item = snapshot_item(token=token, session_id=new_session_id(), events=[meta(now_ms())])
    response = Client().post("/s/", data=encoded([item], gzipped=True), content_type="text/plain")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/array/phc_%00/config", 404),  # remote config of an unknown project, as PostHog answers
        ("/array/phc_%00/config.js", 404),
        ("/flags/?token=phc_%00", 401),  # flags with an invalid project token
    ],
)
def test_config_with_an_impossible_token_is_a_clean_4xx(
    environment: Environment, url: str, status: int
) -> None:
    response = Client().get(url)
    assert response.status_code == status
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize(
    ("timestamp", "sent_at"),
    [("0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"), ("9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z")],
)
def test_clock_skew_correction_beyond_the_calendar_is_missing_timestamp(
    environment: Environment, timestamp: str, sent_at: str
) -> None:
    item = event_item(token=environment.api_token, event="$pageview", session_id=new_session_id())
    item.update(timestamp=timestamp, sent_at=sent_at)
    response = post_gzip(Client(), "/e/", [item])
    assert response.status_code == 400
    assert response.json()["code"] == "missing_timestamp"


def test_snapshot_without_distinct_id_is_rejected(environment: Environment) -> None:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[meta(now_ms())])
    del item["properties"]["distinct_id"]
    response = post_gzip(Client(), "/s/", [item])
    assert response.json() == {
        "type": "validation_error",
        "code": "missing_distinct_id",
        "detail": "The event has no distinct_id.",
        "attr": "batch__0",
    }
    assert not SessionRecording.objects.exists()


def test_snapshot_data_deeper_than_orjson_writes_is_stored_as_received(environment: Environment) -> None:
    session_id, ts = new_session_id(), now_ms()
    node: Any = {"id": 1}
    for _ in range(300):  # orjson reads 1024 levels but writes 254
        node = {"childNodes": [node]}
    events = [meta(ts), {"type": 2, "data": {"node": node}, "timestamp": ts + 1}]
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=events)
    response = Client().post("/s/", data=encoded([item], gzipped=True), content_type="text/plain")
    assert response.json() == {"status": 1}
    assert [event for _, event in buffered_events(environment.id, session_id)] == events


def test_numbers_beyond_64_bits_are_stored_in_a_form_the_api_can_render(environment: Environment) -> None:
    session_id = new_session_id()
    item = event_item(
        token=environment.api_token, event="$pageview", session_id=session_id, big="BIG", small="SMALL"
    )
    text = json.dumps([item]).replace('"BIG"', "123456789012345678901234567890")
    response = _post_raw(text.replace('"SMALL"', "-1e29").encode())

    assert response.json() == {"status": 1}
    properties = SessionEvent.objects.get(session_id=session_id).properties
    assert (properties["big"], properties["small"]) == ("1.2345678901234568e+29", "-1e+29")
    assert orjson.loads(json_dumps(properties)) == properties  # what the recordings API renders

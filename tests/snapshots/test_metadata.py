"""PostHog's recording metadata rules (reference §3.4), table-driven, and their summing per request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime
from snapshots.ingestion.metadata import (
    active_milliseconds,
    block_metadata_compute,
    console_level,
    href_from,
    is_click,
    is_keypress,
    is_mouse_activity,
    valid_events,
    within_clock_window,
)
from tests.snapshots.test_capture_support import (
    click,
    console_event,
    embedded_buffer,  # noqa: F401
    full_snapshot,
    incremental,
    key_input,
    meta,
    mouse_interaction,
    mouse_move,
    new_session_id,
    now_ms,
    post_gzip,
    snapshot_item,
    url_changed,
)

T = 1_800_000_000_000


# --- classification -----------------------------------------------------------------------------

CLASSIFICATION = [
    # (event, click, keypress, mouse activity)
    (mouse_interaction(T, 0), False, False, True),  # MouseUp
    (mouse_interaction(T, 1), False, False, True),  # MouseDown
    (mouse_interaction(T, 2), True, False, True),  # Click
    (mouse_interaction(T, 3), True, False, True),  # ContextMenu
    (mouse_interaction(T, 4), True, False, True),  # DblClick
    (mouse_interaction(T, 5), False, False, True),  # Focus
    (mouse_interaction(T, 6), False, False, True),  # Blur
    (mouse_interaction(T, 7), False, False, True),  # TouchStart
    (mouse_interaction(T, 9), True, False, True),  # TouchEnd
    (mouse_interaction(T, 10), False, False, True),  # TouchCancel
    (mouse_move(T), False, False, True),
    (incremental(T, 6, positions=[]), False, False, True),  # TouchMove
    (key_input(T), False, True, False),
    (incremental(T, 3, id=1, x=0, y=10), False, False, False),  # Scroll
    (incremental(T, 0, adds=[], removes=[]), False, False, False),  # Mutation
    (meta(T), False, False, False),
    (full_snapshot(T), False, False, False),
    ({"type": 2, "data": {"source": 2, "type": 2}, "timestamp": T}, False, False, False),  # not incremental
    ({"type": 3, "data": "compressed", "timestamp": T}, False, False, False),
]


@pytest.mark.parametrize(("event", "clicked", "keypress", "mouse"), CLASSIFICATION)
def test_click_keypress_and_mouse_activity(
    event: dict[str, Any], clicked: bool, keypress: bool, mouse: bool
) -> None:
    assert (is_click(event), is_keypress(event), is_mouse_activity(event)) == (clicked, keypress, mouse)


CONSOLE_LEVELS = [
    ("log", "log"),
    ("info", "log"),
    ("count", "log"),
    ("timeEnd", "log"),
    ("trace", "log"),
    ("dir", "log"),
    ("dirxml", "log"),
    ("group", "log"),
    ("groupCollapsed", "log"),
    ("debug", "log"),
    ("timeLog", "log"),
    ("something-new", "log"),
    ("warn", "warn"),
    ("countReset", "warn"),
    ("error", "error"),
    ("assert", "error"),
]


@pytest.mark.parametrize(("level", "counted_as"), CONSOLE_LEVELS)
def test_console_levels(level: str, counted_as: str) -> None:
    assert console_level(console_event(T, level)) == counted_as


def test_console_level_needs_the_console_plugin() -> None:
    other_plugin = {
        "type": 6,
        "data": {"plugin": "rrweb/network@1", "payload": {"level": "error"}},
        "timestamp": T,
    }
    assert console_level(other_plugin) is None
    assert console_level({"type": 6, "data": {"plugin": "rrweb/console@1"}, "timestamp": T}) == "log"
    assert console_level(meta(T)) is None


HREFS = [
    (meta(T, href="  https://a.example/x  "), "https://a.example/x"),
    (url_changed(T, "https://b.example/"), "https://b.example/"),
    (
        {"type": 5, "data": {"tag": "$pageview", "payload": {"href": "https://c.example/"}}, "timestamp": T},
        "https://c.example/",
    ),
    (
        {"type": 4, "data": {"href": "   ", "payload": {"href": "https://d.example/"}}, "timestamp": T},
        "https://d.example/",
    ),
    ({"type": 4, "data": {"href": "   "}, "timestamp": T}, None),
    (click(T), None),
    (
        {"type": 4, "data": {"href": "https://e.example/" + "x" * 5000}, "timestamp": T},
        "https://e.example/" + "x" * 4078,
    ),
]


@pytest.mark.parametrize(("event", "href"), HREFS)
def test_href_from(event: dict[str, Any], href: str | None) -> None:
    assert href_from(event) == href


# --- validity ---------------------------------------------------------------------------------


def test_valid_events_need_a_positive_numeric_timestamp() -> None:
    good = [meta(T), {"type": 3, "timestamp": 1.5}]
    bad = [
        {"type": 4},
        {"type": 4, "timestamp": 0},
        {"type": 4, "timestamp": -1},
        {"type": 4, "timestamp": "1"},
    ]
    bad += [{"type": 4, "timestamp": True}, "not an event", None]
    assert valid_events([*good, *bad]) == good


@pytest.mark.parametrize(
    ("offset_ms", "inside"),
    [
        (0, True),
        (-6 * 86400_000, True),
        (6 * 86400_000, True),
        (-7 * 86400_000, False),
        (7 * 86400_000, False),
    ],
)
def test_clock_window_is_seven_days_either_way(offset_ms: int, inside: bool) -> None:
    assert within_clock_window([T, T + offset_ms], now_ms=T) is inside


# --- active time --------------------------------------------------------------------------------

ACTIVE_CASES = [
    ("empty", [], 0),
    ("only inactive events", [meta(T), full_snapshot(T + 1000)], 0),
    ("one active event counts 1 ms", [mouse_move(T)], 1),
    ("two active events 3 s apart", [mouse_move(T), click(T + 3000)], 3000),
    ("inactive events extend an active segment", [mouse_move(T), meta(T + 2000)], 2000),
    ("a gap over 5 s splits", [mouse_move(T), mouse_move(T + 2000), mouse_move(T + 8000)], 2001),
    ("exactly 5 s does not split", [mouse_move(T), mouse_move(T + 5000)], 5000),
    ("5 s + 1 ms splits", [mouse_move(T), mouse_move(T + 5001)], 2),
    (
        "inactive lead-in is not active",
        [meta(T), full_snapshot(T + 500), mouse_move(T + 1000), click(T + 1500)],
        500,
    ),
    (
        "inactive event after the threshold starts an inactive segment",
        [mouse_move(T), console_event(T + 6000, "log"), console_event(T + 7000, "log"), click(T + 9000)],
        2,
    ),
    ("unsorted input is sorted", [click(T + 3000), mouse_move(T)], 3000),
    (
        "every active source",
        [incremental(T + i * 100, source) for i, source in enumerate([1, 2, 3, 4, 5, 6, 7, 12])],
        700,
    ),
    (
        "non-active incremental sources",
        [incremental(T, 0), incremental(T + 100, 8), incremental(T + 200, 9)],
        0,
    ),
]


@pytest.mark.parametrize(("name", "events", "expected"), ACTIVE_CASES, ids=[case[0] for case in ACTIVE_CASES])
def test_active_milliseconds(name: str, events: list[dict[str, Any]], expected: int) -> None:
    assert active_milliseconds(events) == expected


# --- a block ----------------------------------------------------------------------------------


def test_block_metadata() -> None:
    events = [
        click(T + 10),
        meta(T, href="https://shop.example/"),
        url_changed(T + 20, "https://shop.example/cart"),
        url_changed(T + 30, "https://shop.example/"),
        key_input(T + 40),
        console_event(T + 50, "error"),
    ]
    block = block_metadata_compute(events)
    assert block is not None
    assert block.__dict__ == {
        "first_timestamp": T,
        "last_timestamp": T + 50,
        "event_count": 6,
        "click_count": 1,
        "keypress_count": 1,
        "mouse_activity_count": 1,
        "active_milliseconds": 40,
        "console_log_count": 0,
        "console_warn_count": 0,
        "console_error_count": 1,
        "first_url": "https://shop.example/",
        "urls": ["https://shop.example/", "https://shop.example/cart"],
    }
    assert block_metadata_compute([]) is None


def test_block_urls_are_capped_at_25() -> None:
    block = block_metadata_compute([url_changed(T + i, f"https://x.example/{i}") for i in range(30)])
    assert block is not None
    assert block.urls == [f"https://x.example/{i}" for i in range(25)]


# --- summed per request into the recording ----------------------------------------------------


@pytest.mark.usefixtures("embedded_buffer")
def test_requests_are_summed_with_min_max_and_earliest_url(environment: Environment) -> None:
    session_id, token, base = new_session_id(), environment.api_token, now_ms() - 60_000
    client = Client()
    second = [
        url_changed(base + 20_000, "https://shop.example/cart"),
        click(base + 20_001),
        click(base + 22_001),
    ]
    first = [meta(base, href="https://shop.example/"), mouse_move(base + 1), key_input(base + 1001)]
    late = [url_changed(base - 5_000, "https://shop.example/landing"), console_event(base - 4_000, "warn")]
    for events in (second, first, late):
        response = post_gzip(
            client, "/s/", [snapshot_item(token=token, session_id=session_id, events=events)]
        )
        assert response.status_code == 200
    recording = SessionRecording.objects.get(session_id=session_id)
    assert (recording.start_time, recording.end_time) == (
        ms_to_datetime(base - 5_000),
        ms_to_datetime(base + 22_001),
    )
    assert recording.start_url == "https://shop.example/landing"
    assert recording.urls == [
        "https://shop.example/cart",
        "https://shop.example/",
        "https://shop.example/landing",
    ]
    # Active time is per request block and summed: 2000 + 1000 + 0 (the gap between blocks is not active).
    assert recording.active_milliseconds == 3000
    assert (recording.click_count, recording.keypress_count, recording.mouse_activity_count) == (2, 1, 3)
    assert (recording.console_warn_count, recording.event_count, recording.message_count) == (1, 8, 3)
    assert recording.duration_seconds == 27


@pytest.mark.usefixtures("embedded_buffer")
def test_start_url_comes_from_the_earliest_block_with_a_url_whatever_the_arrival_order(
    environment: Environment,
) -> None:
    session_id, token, base = new_session_id(), environment.api_token, now_ms() - 60_000
    arrivals = [
        [url_changed(base + 10_000, "https://shop.example/late")],
        [click(base)],  # the session's earliest block carries no URL
        [url_changed(base + 5_000, "https://shop.example/first")],
        [url_changed(base + 7_000, "https://shop.example/second")],
    ]
    for events in arrivals:
        item = snapshot_item(token=token, session_id=session_id, events=events)
        assert post_gzip(Client(), "/s/", [item]).status_code == 200
    recording = SessionRecording.objects.get(session_id=session_id)
    assert recording.start_time == ms_to_datetime(base)
    assert recording.start_url == "https://shop.example/first"
    assert recording.start_url_timestamp == ms_to_datetime(base + 5_000)


@pytest.mark.usefixtures("embedded_buffer")
def test_recording_urls_stay_capped_at_25_across_requests(environment: Environment) -> None:
    session_id, base = new_session_id(), now_ms() - 60_000
    for batch in range(3):
        events = [url_changed(base + batch * 100 + i, f"https://x.example/{batch}/{i}") for i in range(10)]
        post_gzip(
            Client(),
            "/s/",
            [snapshot_item(token=environment.api_token, session_id=session_id, events=events)],
        )
    recording = SessionRecording.objects.get(session_id=session_id)
    assert len(recording.urls) == 25
    assert recording.urls[:10] == [f"https://x.example/0/{i}" for i in range(10)]
    assert recording.start_url == "https://x.example/0/0"


@pytest.mark.usefixtures("embedded_buffer")
def test_snapshot_source_and_library_of_the_first_block(environment: Environment) -> None:
    session_id, base = new_session_id(), now_ms() - 10_000
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(base)])
    item["properties"].update({"$snapshot_source": "mobile", "$lib": "posthog-ios"})
    post_gzip(Client(), "/s/", [item])
    later = snapshot_item(token=environment.api_token, session_id=session_id, events=[click(base + 10)])
    post_gzip(Client(), "/s/", [later])
    recording = SessionRecording.objects.get(session_id=session_id)
    assert (recording.snapshot_source, recording.snapshot_library) == ("mobile", "posthog-ios")


@pytest.mark.usefixtures("embedded_buffer")
def test_the_first_batch_is_listed_at_once_and_every_batch_keeps_it_ongoing(
    environment: Environment, api: APIClient
) -> None:
    session_id, token, ts = new_session_id(), environment.api_token, now_ms() - 2_000
    first = [meta(ts, href="https://shop.example/"), full_snapshot(ts + 1), click(ts + 2), key_input(ts + 3)]
    assert (
        post_gzip(
            Client(), "/s/", [snapshot_item(token=token, session_id=session_id, events=first)]
        ).status_code
        == 200
    )

    listed = api.get(f"/api/projects/{environment.project_id}/session_recordings/").json()["results"]

    assert [(r["id"], r["click_count"], r["keypress_count"], r["ongoing"]) for r in listed] == [
        (session_id, 1, 1, True)
    ]
    assert listed[0]["start_url"] == "https://shop.example/"
    long_ago = timezone.now() - timedelta(hours=1)
    SessionRecording.objects.filter(session_id=session_id).update(last_ingested_at=long_ago)
    assert (
        api.get(f"/api/projects/{environment.project_id}/session_recordings/{session_id}").json()["ongoing"]
        is False
    )
    later = [click(ts + 1_000)]
    assert (
        post_gzip(
            Client(), "/s/", [snapshot_item(token=token, session_id=session_id, events=later)]
        ).status_code
        == 200
    )
    assert SessionRecording.objects.get(session_id=session_id).last_ingested_at > long_ago
    assert (
        api.get(f"/api/projects/{environment.project_id}/session_recordings/{session_id}").json()["ongoing"]
        is True
    )

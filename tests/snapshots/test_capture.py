"""The capture endpoints: paths, CORS, tokens, mixed batches, tombstones, the real posthog-js bodies."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from pytest_django import Settings

from recordings.models import DeletedRecording, SessionEvent, SessionRecording
from recordings_api.models import Environment
from snapshots.flush import live_buffers_flush_due
from snapshots.models import RecordingBlob
from tests.private_redis import PrivateRedis
from tests.snapshots.test_capture_support import (
    buffered_events,
    click,
    console_event,
    embedded_buffer,  # noqa: F401
    event_item,
    full_snapshot,
    key_input,
    meta,
    mouse_move,
    new_session_id,
    now_ms,
    post_gzip,
    post_json,
    snapshot_item,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")
CAPTURE_PATHS = [
    "/s/",
    "/s",
    "/e/",
    "/e",
    "/i/v0/e/",
    "/batch/",
    "/capture/",
    "/track/",
    "/s/?retry_count=2&_=1",
]


@pytest.mark.parametrize("path", CAPTURE_PATHS)
def test_every_capture_path_accepts_snapshots(environment: Environment, path: str) -> None:
    session_id, ts = new_session_id(), now_ms() - 3000
    events = [meta(ts), full_snapshot(ts + 1), click(ts + 2)]
    response = post_gzip(
        Client(), path, [snapshot_item(token=environment.api_token, session_id=session_id, events=events)]
    )
    assert response.status_code == 200
    assert response.json() == {"status": 1}
    assert [e for _, e in buffered_events(environment.id, session_id)] == events


def test_items_are_grouped_by_their_own_session_and_window(environment: Environment) -> None:
    token, ts = environment.api_token, now_ms() - 10_000
    first, second = new_session_id(), new_session_id()
    body = [
        snapshot_item(token=token, session_id=first, window_id="w-1", events=[meta(ts), click(ts + 1)]),
        snapshot_item(
            token=token, session_id=first, window_id="w-2", events=[meta(ts + 2, href="https://b.example/")]
        ),
        snapshot_item(
            token=token, session_id=second, window_id="w-3", events=[key_input(ts + 3)], distinct_id="u2"
        ),
        snapshot_item(token=token, session_id=first, window_id="w-1", events=[mouse_move(ts + 4)]),
    ]
    assert post_gzip(Client(), "/s/", body).status_code == 200
    assert buffered_events(environment.id, first) == [
        ("w-1", meta(ts)),
        ("w-1", click(ts + 1)),
        ("w-1", mouse_move(ts + 4)),
        ("w-2", meta(ts + 2, href="https://b.example/")),
    ]
    assert buffered_events(environment.id, second) == [("w-3", key_input(ts + 3))]
    one = SessionRecording.objects.get(session_id=first)
    two = SessionRecording.objects.get(session_id=second)
    assert (one.event_count, one.click_count, one.message_count, one.urls) == (
        4,
        1,
        1,
        ["https://example.com/start", "https://b.example/"],
    )
    assert (two.event_count, two.keypress_count, two.distinct_id) == (1, 1, "u2")


def test_window_id_defaults_to_the_session_id(environment: Environment) -> None:
    session_id, ts = new_session_id(), now_ms()
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(ts)])
    del item["properties"]["$window_id"]
    assert post_json(Client(), "/s/", item).status_code == 200
    assert buffered_events(environment.id, session_id) == [(session_id, meta(ts))]


def test_cors_headers_on_success_and_preflight() -> None:
    client = Client()
    preflight = client.options(
        "/s/?compression=gzip-js",
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 200
    assert "Access-Control-Allow-Credentials" not in preflight
    assert {name: preflight[name] for name in _CORS_HEADERS} == {
        "Access-Control-Allow-Origin": "https://shop.example",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "86400",
    }
    no_origin = client.options("/e/")
    assert no_origin["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in no_origin


_CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
)


def test_success_echoes_origin(environment: Environment) -> None:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[meta(now_ms())])
    response = post_gzip(Client(), "/s/", [item], HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Access-Control-Allow-Credentials" not in response
    assert response["Vary"] == "Origin"


@override_settings(CAPTURE_ALLOWED_ORIGINS=["https://shop.example"])
def test_allowed_origins_are_echoed_and_others_refused(environment: Environment) -> None:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[meta(now_ms())])
    allowed = post_gzip(Client(), "/s/", [item], HTTP_ORIGIN="https://shop.example")
    assert (allowed.status_code, allowed["Access-Control-Allow-Origin"]) == (200, "https://shop.example")
    server_side = post_gzip(Client(), "/s/", [item])
    assert server_side.status_code == 200

    refused = post_gzip(Client(), "/s/", [item], HTTP_ORIGIN="https://evil.example")

    assert refused.status_code == 403
    assert refused.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "This origin may not send data to this service (CAPTURE_ALLOWED_ORIGINS).",
        "attr": None,
    }
    assert "Access-Control-Allow-Origin" not in refused
    preflight = Client().options("/s/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in preflight


def test_unknown_token_is_401(environment: Environment) -> None:
    item = snapshot_item(token="phc_unknown", session_id=new_session_id(), events=[meta(now_ms())])
    response = post_gzip(Client(), "/s/", [item], HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": "Project API key invalid. You can find your project API key in your project settings.",
        "attr": None,
    }
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert not SessionRecording.objects.exists()


def test_missing_token_is_401(environment: Environment) -> None:
    item = snapshot_item(token="", session_id=new_session_id(), events=[meta(now_ms())])
    response = post_gzip(Client(), "/s/", [item])
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("where", ["token", "$token", "api_key", "properties.token"])
def test_token_is_read_from_every_place(environment: Environment, where: str) -> None:
    session_id = new_session_id()
    item = snapshot_item(token="", session_id=session_id, events=[meta(now_ms())])
    if where == "properties.token":
        item["properties"]["token"] = environment.api_token
    else:
        item[where] = environment.api_token
    assert post_gzip(Client(), "/s/", [item]).status_code == 200
    assert SessionRecording.objects.filter(environment=environment, session_id=session_id).exists()


def test_token_routes_to_its_own_environment(
    environment: Environment, other_environment: Environment
) -> None:
    session_id = new_session_id()
    item = snapshot_item(token=other_environment.api_token, session_id=session_id, events=[meta(now_ms())])
    assert post_gzip(Client(), "/s/", [item]).status_code == 200
    assert SessionRecording.objects.get(session_id=session_id).environment_id == other_environment.id
    assert buffered_events(environment.id, session_id) == []


def test_mixed_batch_keeps_good_items_and_lists_the_rejected(environment: Environment) -> None:
    token, ts, session_id = environment.api_token, now_ms() - 1000, new_session_id()
    no_timestamps = snapshot_item(
        token=token, session_id=session_id, events=[{"type": 3, "data": {"source": 2}}]
    )
    bad_session = snapshot_item(token=token, session_id="not a valid id!", events=[meta(ts)])
    stale = snapshot_item(token=token, session_id=session_id, events=[meta(ts - 8 * 24 * 3600 * 1000)])
    event_without_time = event_item(token=token, event="$pageview", session_id=session_id)
    del event_without_time["timestamp"]
    body = [
        snapshot_item(token=token, session_id=session_id, events=[meta(ts), {"type": 3}, click(ts + 1)]),
        no_timestamps,
        bad_session,
        "not an object",
        stale,
        event_without_time,
        {"properties": {}},
    ]
    response = post_gzip(Client(), "/s/", body)
    assert response.status_code == 200
    assert response.json() == {
        "status": 1,
        "rejected": [
            {"index": 1, "code": "missing_timestamp", "detail": "No rrweb event has a numeric timestamp."},
            {
                "index": 2,
                "code": "missing_session_id",
                "detail": "$snapshot needs a $session_id of 1-70 letters, digits or '-'.",
            },
            {"index": 3, "code": "invalid_event", "detail": "Each event must be a JSON object."},
            {
                "index": 4,
                "code": "timestamp_out_of_range",
                "detail": "rrweb event timestamps are 7 days or more away from now.",
            },
            {
                "index": 5,
                "code": "missing_timestamp",
                "detail": "The event has no valid timestamp or offset.",
            },
            {"index": 6, "code": "missing_event", "detail": "The event has no event name."},
        ],
    }
    # The event without a timestamp inside the good item is dropped by the validity filter.
    assert [e for _, e in buffered_events(environment.id, session_id)] == [meta(ts), click(ts + 1)]
    assert SessionRecording.objects.get(session_id=session_id).event_count == 2


def test_batch_with_nothing_usable_is_400(environment: Environment) -> None:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[meta(now_ms())])
    del item["properties"]["$session_id"]
    response = post_gzip(Client(), "/s/", [item, {"event": "$snapshot", "properties": {}}])
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "missing_session_id",
        "detail": "$snapshot needs a $session_id of 1-70 letters, digits or '-'.",
        "attr": "batch__0",
    }
    assert not SessionRecording.objects.exists()


def test_empty_snapshot_data_is_rejected(environment: Environment) -> None:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[])
    response = post_gzip(Client(), "/s/", [item])
    assert response.status_code == 400
    assert response.json()["code"] == "missing_snapshot_data"


def test_tombstoned_session_is_acknowledged_and_dropped(environment: Environment) -> None:
    session_id, ts = new_session_id(), now_ms()
    DeletedRecording.objects.create(environment=environment, session_id=session_id)
    body = [
        snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(ts), click(ts + 1)]),
        event_item(token=environment.api_token, event="$pageview", session_id=session_id),
    ]
    response = post_gzip(Client(), "/s/", body)
    assert response.status_code == 200
    assert response.json() == {"status": 1}
    # Dropped downstream: the aggregator counts nothing, the flush writes no blob.
    assert not SessionRecording.objects.filter(session_id=session_id).exists()
    assert not SessionEvent.objects.filter(session_id=session_id).exists()
    assert [o.status for o in live_buffers_flush_due(force=True) if o.session_id == session_id] == ["dropped"]
    assert buffered_events(environment.id, session_id) == []
    assert not RecordingBlob.objects.filter(session_id=session_id).exists()


def test_tombstone_in_another_environment_does_not_drop(
    environment: Environment, other_environment: Environment
) -> None:
    session_id = new_session_id()
    DeletedRecording.objects.create(environment=other_environment, session_id=session_id)
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(now_ms())])
    assert post_gzip(Client(), "/s/", [item]).status_code == 200
    assert SessionRecording.objects.filter(environment=environment, session_id=session_id).exists()


def test_other_methods_are_405(environment: Environment) -> None:
    response = Client().put("/s/", data=b"[]")
    assert response.status_code == 405
    assert response.json()["type"] == "invalid_request"
    assert response["Allow"] == "GET, POST, OPTIONS"


def test_live_buffer_outage_is_503_and_stores_nothing(environment: Environment, settings: Settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.REDIS_SOCKET_TIMEOUT_SECONDS = 0.5
    session_id = new_session_id()
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(now_ms())])
    response = post_gzip(Client(), "/s/", [item])
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["type"] == "server_error"
    assert not SessionRecording.objects.filter(session_id=session_id).exists()


def test_console_counts_across_requests(environment: Environment) -> None:
    session_id, ts, token = new_session_id(), now_ms() - 20_000, environment.api_token
    client = Client()
    for offset, level in enumerate(["log", "warn", "error", "info", "assert", "countReset", "debug"]):
        item = snapshot_item(token=token, session_id=session_id, events=[console_event(ts + offset, level)])
        assert post_gzip(client, "/s/", [item]).status_code == 200
    recording = SessionRecording.objects.get(session_id=session_id)
    assert (recording.console_log_count, recording.console_warn_count, recording.console_error_count) == (
        3,
        2,
        2,
    )
    assert recording.message_count == 7


def test_capture_needs_no_csrf_token_or_cookie(environment: Environment) -> None:
    """Browsers post cross-origin without cookies: CSRF protection must not apply to capture."""
    session_id = new_session_id()
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(now_ms())])
    response = post_gzip(Client(enforce_csrf_checks=True), "/s/", [item], HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200
    assert SessionRecording.objects.filter(session_id=session_id).exists()


def _many_sessions_body(environment: Environment, sessions: int) -> list[dict[str, Any]]:
    ts = now_ms()
    return [
        snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[meta(ts)])
        for _ in range(sessions)
    ]


@override_settings(CAPTURE_MAX_SESSIONS=100, CAPTURE_MAX_ITEMS=10_000)
def test_snapshots_of_too_many_sessions_in_one_request_are_413(environment: Environment) -> None:
    response = post_gzip(Client(), "/s/", _many_sessions_body(environment, 101))

    assert response.status_code == 413
    assert response.json() == {
        "type": "invalid_request",
        "code": "too_many_sessions",
        "detail": "A request may carry snapshots of at most 100 sessions; this one has 101.",
        "attr": None,
    }
    assert not SessionRecording.objects.exists()


@override_settings(CAPTURE_MAX_ITEMS=50)
def test_too_many_events_in_one_request_are_413_before_any_is_parsed(environment: Environment) -> None:
    items = [event_item(token=environment.api_token, event="e", session_id=None) for _ in range(51)]

    response = post_gzip(Client(), "/e/", {"api_key": environment.api_token, "batch": items})

    assert response.status_code == 413
    assert response.json()["code"] == "too_many_items"


@override_settings(CAPTURE_MAX_SESSIONS=100)
@pytest.mark.parametrize("private_redis", [False], indirect=True)
def test_a_request_of_many_sessions_costs_one_script_per_partition(
    environment: Environment, private_redis: PrivateRedis
) -> None:
    """Many-session batches are linear: the buffer gets one call per partition, not per session.

    Counted on a Redis of the test's own (command statistics are server-wide), after a first
    request has loaded the script (on a new server every partition's call is answered NOSCRIPT
    once, then retried)."""
    import redis

    with override_settings(REDIS_URL=private_redis.url):
        client = redis.Redis.from_url(private_redis.url)
        assert post_gzip(Client(), "/s/", _many_sessions_body(environment, 1), drain=False).status_code == 200
        client.config_resetstat()
        response = post_gzip(Client(), "/s/", _many_sessions_body(environment, 100), drain=False)
        assert response.status_code == 200
        calls = client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)
    assert 1 <= calls <= int(settings.LIVE_BUFFER_PARTITIONS)

"""The request bodies captured from real posthog-js runs (1.449.2 and 1.300.0) ingest correctly."""

from __future__ import annotations

import pytest
from django.test import Client

from recordings.models import SessionEvent, SessionRecording
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime
from tests.snapshots.test_capture_support import (
    buffered_events,
    click,
    embedded_buffer,  # noqa: F401
    event_item,
    fixture_requests,
    form_base64,
    meta,
    new_session_id,
    now_ms,
    post_gzip,
    rebased_fixture_bodies,
    snapshot_item,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")


def test_fixture_bodies_of_posthog_js_1_449_2_ingest(
    environment: Environment, live_buffer_backend: str
) -> None:
    events_body, snapshot_body = rebased_fixture_bodies(token=environment.api_token)
    client = Client()
    assert post_gzip(client, "/e/", events_body).json() == {"status": 1}
    assert post_gzip(client, "/s/", snapshot_body).json() == {"status": 1}

    session_id = snapshot_body[0]["properties"]["$session_id"]
    window_id = snapshot_body[0]["properties"]["$window_id"]
    sent = snapshot_body[0]["properties"]["$snapshot_data"]
    assert buffered_events(environment.id, session_id) == [(window_id, event) for event in sent]
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    assert {
        "distinct_id": recording.distinct_id,
        "start_time": recording.start_time,
        "end_time": recording.end_time,
        "click_count": recording.click_count,
        "keypress_count": recording.keypress_count,
        "mouse_activity_count": recording.mouse_activity_count,
        "active_milliseconds": recording.active_milliseconds,
        "console_log_count": recording.console_log_count,
        "console_warn_count": recording.console_warn_count,
        "console_error_count": recording.console_error_count,
        "start_url": recording.start_url,
        "urls": recording.urls,
        "snapshot_source": recording.snapshot_source,
        "snapshot_library": recording.snapshot_library,
        "event_count": recording.event_count,
        "message_count": recording.message_count,
        "retention_period_days": recording.retention_period_days,
    } == {
        "distinct_id": "01a20180-950b-7d96-be8b-5ad5cacf6cd3",
        "start_time": ms_to_datetime(sent[0]["timestamp"]),
        "end_time": ms_to_datetime(sent[-1]["timestamp"]),
        "click_count": 1,  # mousedown, mouseup, click → one click
        "keypress_count": 1,
        "mouse_activity_count": 5,
        "active_milliseconds": sent[-1]["timestamp"] - sent[8]["timestamp"],
        "console_log_count": 1,
        "console_warn_count": 1,
        "console_error_count": 0,
        "start_url": "http://127.0.0.1:43807/page.html",
        "urls": ["http://127.0.0.1:43807/page.html"],
        "snapshot_source": "web",
        "snapshot_library": "web",
        "event_count": 17,
        "message_count": 1,
        "retention_period_days": 30,
    }
    assert recording.size_bytes > 3000
    assert recording.first_event_properties["$current_url"] == "http://127.0.0.1:43807/page.html"
    assert recording.first_event_properties["$browser"] == "Safari"
    pageview = SessionEvent.objects.get(environment=environment)
    assert (pageview.event, pageview.session_id, str(pageview.uuid)) == (
        "$pageview",
        session_id,
        "01a20180-951e-7873-962e-c41f28b3b684",
    )


def test_every_request_of_the_posthog_js_1_300_0_fixture_is_answered(environment: Environment) -> None:
    """Replays the URLs (query strings included) and body shapes the 1.300.0 SDK was seen sending."""
    token, session_id, ts = environment.api_token, new_session_id(), now_ms() - 2000
    client = Client()
    for request in fixture_requests("1.300.0"):
        url = request["url"].replace("phc_test_token", token)
        if url == "/page.html" or url == "/static/array.full.js":
            continue  # served by the test page's own server, not by this service
        if request["method"] == "GET":
            response = client.get(url)
        elif url.startswith("/flags/"):
            body = {"token": token, "distinct_id": "d", "groups": {}, "person_properties": {}}
            response = client.post(url, data=form_base64(body), content_type=request["content-type"])
        elif url.startswith("/e/"):
            item = event_item(token=token, event="$pageview", session_id=session_id)
            item["offset"] = 252
            del item["timestamp"]
            response = post_gzip(client, url, item)
        else:
            shape = request["decoded_body_shape"]
            item = snapshot_item(token=token, session_id=session_id, events=[meta(ts), click(ts + 1)])
            del item["timestamp"]
            item["offset"] = shape["offset"]
            assert set(item) == set(shape["first_item_top_keys"])
            response = post_gzip(client, url, [item])
        assert response.status_code == 200, (url, response.content)
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    assert (recording.click_count, recording.event_count) == (1, 2)
    assert SessionEvent.objects.filter(session_id=session_id, event="$pageview").count() == 1

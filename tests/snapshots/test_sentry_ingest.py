"""Sentry envelopes through ``/api/{environment_id}/envelope/``: the real SDK's bodies become a
recording both faces serve, exactly once, whatever the order they arrive in."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import pytest
from django.core.management import call_command
from django.test import Client

from recordings.models import (
    DeletedRecording,
    RecordingClick,
    RecordingError,
    RecordingTag,
    ReplaySegment,
    SessionRecording,
)
from recordings_api.models import Environment, SentryClientKey
from snapshots.capture.sentry.lines import replay_segment_of_line
from snapshots.live_buffer import get_live_buffer
from tests.snapshots.sentry_support import (
    FIXTURE_ERROR_ID,
    FIXTURE_PUBLIC_KEY,
    FIXTURE_REPLAY_ID,
    envelope_bytes,
    envelope_url,
    fixture_delta_ms,
    post_envelope,
    rebased_envelopes,
    recording_events,
    split_envelope,
)
from tests.snapshots.test_capture_support import drain, embedded_buffer  # noqa: F401

pytestmark = pytest.mark.usefixtures("embedded_buffer")
SEGMENT_ENVELOPES = (3, 4, 5)  # indexes of segments 0, 1, 2 in the fixture list


@pytest.fixture
def sentry_key(environment: Environment) -> SentryClientKey:
    return SentryClientKey.objects.create(environment=environment, public_key=FIXTURE_PUBLIC_KEY)


def _post_all(client: Client, environment: Environment, bodies: list[bytes]) -> list[Any]:
    return [post_envelope(client, environment.id, body) for body in bodies]


def _iso_ms(ms: int) -> str:
    from recordings_api.timestamps import ms_to_datetime

    return ms_to_datetime(ms).isoformat()


@pytest.mark.usefixtures("sentry_key")
def test_the_sdk_fixtures_make_one_recording_with_sentrys_aggregates(environment: Environment) -> None:
    delta = fixture_delta_ms()
    bodies = rebased_envelopes(delta)
    responses = _post_all(Client(), environment, bodies)

    assert [(r.status_code, r.json()) for r in responses] == [
        (200, {}),
        (200, {}),
        (200, {"id": FIXTURE_ERROR_ID}),
        (200, {"id": FIXTURE_REPLAY_ID}),
        (200, {"id": FIXTURE_REPLAY_ID}),
        (200, {"id": FIXTURE_REPLAY_ID}),
    ]
    assert responses[3]["Access-Control-Allow-Origin"] == "http://127.0.0.1:18094"
    assert (
        responses[3]["Access-Control-Expose-Headers"] == "x-sentry-error, x-sentry-rate-limits, retry-after"
    )
    recording = SessionRecording.objects.get(environment=environment, session_id=FIXTURE_REPLAY_ID)
    sentry_fields = {name: getattr(recording, name) for name in SENTRY_FIELDS}
    assert sentry_fields == {
        "start_time": _dt(1796160769209 + delta),
        "end_time": _dt(1796160784811 + delta),
        "segment_count": 3,
        "visited_urls": ["http://127.0.0.1:18094/page.html", "http://127.0.0.1:18094/page.html#next"],
        "url_count": 2,
        "error_ids": [FIXTURE_ERROR_ID],
        "error_count": 1,
        "warning_ids": [],
        "info_ids": [],
        "trace_ids": [],
        "releases": ["shop@1.2.3"],
        "dist": "",
        "sdk_environment": "staging",
        "platform": "javascript",
        "sdk_name": "sentry.javascript.browser",
        "sdk_version": "11.12.0",
        "replay_type": "session",
        "app_user_id": "u-42",
        "app_user_email": "ann@example.com",
        "app_user_username": "",
        "app_user_ip": "127.0.0.1",
        "tags": {"plan": ["pro"]},
        "browser_name": "Chrome",
        "browser_version": "156.0.0",
        "os_name": "Linux",
        "device_name": "",
        "dead_click_count": 3,
        "rage_click_count": 1,
    }
    assert (recording.distinct_id, recording.start_url, recording.snapshot_library) == (
        "u-42",
        "http://127.0.0.1:18094/page.html",
        "sentry.javascript.browser",
    )
    assert recording.first_event_properties["$browser"] == "Chrome"
    assert (recording.click_count, recording.keypress_count, recording.message_count) == (11, 6, 3)
    assert list(RecordingTag.objects.values_list("key", "value")) == [("plan", "pro")]
    assert RecordingError.objects.get(event_id=FIXTURE_ERROR_ID).session_id == FIXTURE_REPLAY_ID
    dates = list(ReplaySegment.objects.order_by("segment_id").values_list("segment_id", "event_received_at"))
    assert [segment for segment, received in dates if received is not None] == [0, 1, 2]


SENTRY_FIELDS = [
    "start_time",
    "end_time",
    "segment_count",
    "visited_urls",
    "url_count",
    "error_ids",
    "error_count",
    "warning_ids",
    "info_ids",
    "trace_ids",
    "releases",
    "dist",
    "sdk_environment",
    "platform",
    "sdk_name",
    "sdk_version",
    "replay_type",
    "app_user_id",
    "app_user_email",
    "app_user_username",
    "app_user_ip",
    "tags",
    "browser_name",
    "browser_version",
    "os_name",
    "device_name",
    "dead_click_count",
    "rage_click_count",
]


def _dt(ms: int) -> Any:
    from recordings_api.timestamps import ms_to_datetime

    return ms_to_datetime(ms)


def _state(environment: Environment) -> dict[str, Any]:
    row = SessionRecording.objects.filter(session_id=FIXTURE_REPLAY_ID).values().first()
    recording: dict[str, Any] | None = dict(row) if row is not None else None
    if recording is not None:
        recording.pop("last_ingested_at")
    lines = get_live_buffer().read(environment_id=environment.id, session_id=FIXTURE_REPLAY_ID)
    return {
        "recording": recording,
        "lines": [item.line for item in lines],
        "clicks": RecordingClick.objects.count(),
        "errors": RecordingError.objects.count(),
        "segments": ReplaySegment.objects.count(),
    }


@pytest.mark.usefixtures("sentry_key")
def test_a_retried_envelope_counts_once(environment: Environment) -> None:
    bodies = rebased_envelopes()
    client = Client()
    _post_all(client, environment, bodies)
    once = _state(environment)

    _post_all(client, environment, bodies)

    assert _state(environment) == once
    assert once["clicks"] == 7 and once["segments"] == 3 and len(once["lines"]) == 3


@pytest.mark.usefixtures("sentry_key")
def test_a_replay_exists_once_segment_0_arrived_whatever_the_order(environment: Environment) -> None:
    bodies = rebased_envelopes()
    client = Client()
    for index in (5, 4, 2):  # segments 2 and 1, then the error
        assert post_envelope(client, environment.id, bodies[index]).status_code == 200
    assert not SessionRecording.objects.filter(session_id=FIXTURE_REPLAY_ID).exists()

    post_envelope(client, environment.id, bodies[3])
    recording = SessionRecording.objects.get(session_id=FIXTURE_REPLAY_ID)

    assert (recording.segment_count, recording.error_count, recording.dead_click_count) == (3, 1, 3)
    assert recording.visited_urls == [
        "http://127.0.0.1:18094/page.html",
        "http://127.0.0.1:18094/page.html#next",
    ]


@pytest.mark.usefixtures("sentry_key")
def test_each_segment_is_one_line_that_gives_back_the_events_as_sent(environment: Environment) -> None:
    bodies = rebased_envelopes()
    _post_all(Client(), environment, bodies)

    lines = get_live_buffer().read(environment_id=environment.id, session_id=FIXTURE_REPLAY_ID)
    segments = dict(replay_segment_of_line(item.line) for item in lines)  # type: ignore[misc]

    for segment_id, index in enumerate(SEGMENT_ENVELOPES):
        _, items = split_envelope(bodies[index])
        assert segments[segment_id] == zlib.decompress(items[1][1].split(b"\n", 1)[1])
    assert [orjson.loads(item.line)["window_id"] for item in lines] == [FIXTURE_REPLAY_ID] * 3


@pytest.mark.usefixtures("sentry_key")
def test_the_posthog_face_lists_retrieves_replays_and_deletes_a_replay(
    environment: Environment, api: Any, local_settings: Any
) -> None:
    _post_all(Client(), environment, rebased_envelopes())
    base = f"/api/projects/{environment.id}/session_recordings/"

    listed = api.get(base).json()["results"]
    dashed = "577486ad-7557-4166-a765-61e6c2e0a827"
    detail = api.get(f"{base}{dashed.upper()}/").json()
    sources = api.get(f"{base}{FIXTURE_REPLAY_ID}/snapshots").json()["sources"]
    realtime = api.get(
        f"{base}{FIXTURE_REPLAY_ID}/snapshots", {"source": "realtime", "version": "2024-04-30"}
    )

    assert [item["id"] for item in listed] == [FIXTURE_REPLAY_ID]
    assert (detail["id"], detail["count_dead_clicks"], detail["count_rage_clicks"]) == (
        FIXTURE_REPLAY_ID,
        3,
        1,
    )
    assert (detail["count_segments"], detail["count_urls"], detail["start_url"]) == (
        3,
        2,
        "http://127.0.0.1:18094/page.html",
    )
    assert [source["source"] for source in sources] == ["realtime"]
    events = [event for line in realtime.content.splitlines() for event in orjson.loads(line)["data"]]
    assert [event["type"] for event in events][:5] == [0, 5, 1, 4, 2]  # Meta and FullSnapshot first

    call_command("flush_live_buffers", stdout=open("/dev/null", "w"))  # noqa: SIM115
    [blob] = api.get(f"{base}{FIXTURE_REPLAY_ID}/snapshots").json()["sources"]
    stored = api.get(f"{base}{FIXTURE_REPLAY_ID}/snapshots", {"source": "blob", "blob_key": blob["blob_key"]})
    assert [orjson.loads(line) for line in b"".join(stored.streaming_content).splitlines()] == [
        orjson.loads(line) for line in realtime.content.splitlines()
    ]

    assert api.delete(f"{base}{FIXTURE_REPLAY_ID}/").status_code == 204
    assert DeletedRecording.objects.filter(session_id=FIXTURE_REPLAY_ID).exists()
    assert not (
        RecordingClick.objects.exists() or ReplaySegment.objects.exists() or RecordingError.objects.exists()
    )
    post_envelope(Client(), environment.id, rebased_envelopes()[3])
    assert not SessionRecording.objects.filter(session_id=FIXTURE_REPLAY_ID).exists()


@pytest.mark.usefixtures("sentry_key")
@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("count_dead_clicks:>2", True),
        ("count_dead_clicks:>3", False),
        ("count_rage_clicks:1 count_segments:3 count_urls:2", True),
        ("click.tag:button", True),
        ("click.tag:div", False),
        ("!click.tag:button", False),
        ("click.id:dead click.textContent:Noth*", True),
        ('dead.selector:"button#dead"', True),
        ('rage.selector:"button#err"', False),
        ('rage.selector:"body button#dead"', None),
    ],
)
def test_click_terms_of_the_posthog_face(
    environment: Environment, api: Any, query: str, found: bool | None
) -> None:
    _post_all(Client(), environment, rebased_envelopes())
    response = api.get(f"/api/projects/{environment.id}/session_recordings/", {"query": query})
    if found is None:
        assert response.status_code == 400 and response.json()["attr"] == "query"
        return
    assert [item["id"] for item in response.json()["results"]] == ([FIXTURE_REPLAY_ID] if found else [])


def test_auth_forms_and_refusals(environment: Environment, other_environment: Environment) -> None:
    key = SentryClientKey.objects.create(environment=environment, public_key=FIXTURE_PUBLIC_KEY)
    body = rebased_envelopes()[2]
    client = Client()
    header: dict[str, Any] = {
        "HTTP_X_SENTRY_AUTH": f"Sentry sentry_key={FIXTURE_PUBLIC_KEY}, sentry_version=7"
    }
    headers, items = split_envelope(body)
    with_dsn = envelope_bytes({**headers, "dsn": f"http://{FIXTURE_PUBLIC_KEY}@h/{environment.id}"}, items)

    assert post_envelope(client, environment.id, body, public_key=None, **header).status_code == 200
    assert post_envelope(client, environment.id, with_dsn, public_key=None).status_code == 200
    refused = [
        post_envelope(client, environment.id, body, public_key=None),
        post_envelope(client, environment.id, body, public_key="1" * 32),
        post_envelope(client, other_environment.id, body),
        post_envelope(client, environment.id, body, **header),
    ]
    key.is_active = False
    key.save()
    refused.append(post_envelope(client, environment.id, body))

    assert [(r.status_code, r.json()) for r in refused] == [
        (401, {"detail": "missing authorization information"}),
        (401, {"detail": "unknown public key"}),
        (403, {"detail": "the client key does not belong to this project"}),
        (401, {"detail": "multiple authorization payloads detected"}),
        (403, {"detail": "the client key is disabled"}),
    ]
    assert refused[0]["X-Sentry-Error"] == "missing authorization information"


def test_cors_preflight_and_methods(environment: Environment, sentry_key: SentryClientKey) -> None:
    client = Client()
    preflight = client.options(envelope_url(environment.id), HTTP_ORIGIN="https://shop.example")
    get = client.get(envelope_url(environment.id))

    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://shop.example"
    assert preflight["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert "x-sentry-auth" in preflight["Access-Control-Allow-Headers"]
    assert (get.status_code, get.json(), get["Allow"]) == (
        405,
        {"detail": "method not allowed: use POST"},
        "POST, OPTIONS",
    )


def test_store_takes_one_json_event(environment: Environment, sentry_key: SentryClientKey) -> None:
    _, items = split_envelope(rebased_envelopes()[2])
    client = Client()
    url = f"/api/{environment.id}/store/?sentry_key={FIXTURE_PUBLIC_KEY}"
    legacy = __import__("base64").b64encode(zlib.compress(items[0][1]))

    plain = client.post(url, data=items[0][1], content_type="application/json")
    old = client.post(url, data=legacy, content_type="application/octet-stream")
    drain()

    assert (plain.status_code, plain.json()) == (200, {"id": FIXTURE_ERROR_ID})
    assert (old.status_code, old.json()) == (200, {"id": FIXTURE_ERROR_ID})
    assert list(RecordingError.objects.values_list("event_id", "session_id")) == [
        (FIXTURE_ERROR_ID, FIXTURE_REPLAY_ID)
    ]


@pytest.mark.usefixtures("sentry_key")
def test_sessions_client_reports_and_unknown_items_are_accepted_and_dropped(environment: Environment) -> None:
    body = envelope_bytes(
        {"sent_at": "2026-01-01T00:00:00Z"},
        [
            ({"type": "session"}, b"{}"),
            ({"type": "client_report"}, b"{}"),
            ({"type": "future_thing"}, b"\x00"),
        ],
    )
    response = post_envelope(Client(), environment.id, body)
    assert (response.status_code, response.json()) == (200, {})
    assert not ReplaySegment.objects.exists() and not RecordingError.objects.exists()


@pytest.mark.usefixtures("sentry_key")
def test_errors_by_level_and_sdk_reports_without_an_event(environment: Environment) -> None:
    bodies = rebased_envelopes()
    headers, items = split_envelope(bodies[3])
    event = orjson.loads(items[0][1])
    warning_id, unseen_id = "1" * 32, "2" * 32
    event["error_ids"] = [FIXTURE_ERROR_ID, warning_id, unseen_id]
    warning = orjson.dumps(
        {"event_id": warning_id, "level": "warning", "message": "careful", "timestamp": event["timestamp"]}
    )
    client = Client()
    post_envelope(client, environment.id, envelope_bytes({}, [({"type": "event"}, warning)]))
    post_envelope(
        client,
        environment.id,
        envelope_bytes(headers, [({"type": "replay_event"}, orjson.dumps(event)), items[1]]),
    )
    post_envelope(client, environment.id, bodies[2])

    recording = SessionRecording.objects.get(session_id=FIXTURE_REPLAY_ID)
    assert (recording.error_ids, recording.warning_ids, recording.error_count, recording.warning_count) == (
        [FIXTURE_ERROR_ID, unseen_id],
        [warning_id],
        2,
        1,
    )
    assert (
        RecordingError.objects.get(event_id=warning_id).session_id == FIXTURE_REPLAY_ID
    )  # linked by the report


@pytest.mark.usefixtures("sentry_key")
def test_the_redis_live_buffer_takes_envelopes_too(
    environment: Environment, live_buffer_backend: str
) -> None:
    bodies = rebased_envelopes()
    _post_all(Client(), environment, [bodies[3], bodies[4]])

    lines = get_live_buffer().read(environment_id=environment.id, session_id=FIXTURE_REPLAY_ID)
    assert [replay_segment_of_line(item.line)[0] for item in lines] == [0, 1]  # type: ignore[index]
    assert SessionRecording.objects.get(session_id=FIXTURE_REPLAY_ID).segment_count == 2


def test_recording_events_helper_reads_fixtures() -> None:
    _, items = split_envelope(rebased_envelopes()[3])
    header, events = recording_events(items[1][1])
    assert header == {"segment_id": 0} and events[3]["type"] == 4


@pytest.mark.usefixtures("sentry_key")
def test_a_project_over_its_capture_budget_gets_429_with_sentry_rate_limits(
    environment: Environment, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "capture_token": "2/minute"}
    body = rebased_envelopes()[0]
    client = Client()
    assert [post_envelope(client, environment.id, body).status_code for _ in range(2)] == [200, 200]

    response = post_envelope(client, environment.id, body)

    seconds = int(response["Retry-After"])
    assert (response.status_code, response.json()) == (429, {"detail": "project quota exceeded"})
    assert 0 < seconds <= 60
    assert response["X-Sentry-Rate-Limits"] == f"{seconds}::organization:quota_exceeded"
    assert "x-sentry-rate-limits" in response["Access-Control-Expose-Headers"]


def test_the_api_document_describes_the_ingest_endpoints(client: Client) -> None:
    document = client.get("/api/schema/?format=json").json()

    envelope = document["paths"]["/api/{project_id}/envelope/"]["post"]
    assert (envelope["summary"], envelope["tags"]) == ("Send an envelope", ["Sentry ingest"])
    assert set(envelope["responses"]) == {"200", "400", "401", "403", "413", "429", "503"}
    assert "/api/{project_id}/store/" in document["paths"]


@pytest.mark.usefixtures("sentry_key")
def test_a_sentry_replay_is_shared_and_pinned_like_any_recording(environment: Environment, api: Any) -> None:
    _post_all(Client(), environment, rebased_envelopes())
    base = f"/api/projects/{environment.id}/session_recordings/{FIXTURE_REPLAY_ID}"

    sharing = api.patch(f"{base}/sharing", {"enabled": True}, format="json").json()
    shared = Client().get(f"{base}/snapshots", {"sharing_access_token": sharing["access_token"]})
    playlist = api.post(
        f"/api/projects/{environment.id}/session_recording_playlists/",
        {"name": "Sentry", "type": "collection"},
        format="json",
    ).json()
    pinned = api.post(
        f"/api/projects/{environment.id}/session_recording_playlists/{playlist['short_id']}/recordings/"
        f"{FIXTURE_REPLAY_ID}/"
    )
    listed = api.get(
        f"/api/projects/{environment.id}/session_recording_playlists/{playlist['short_id']}/recordings/"
    ).json()

    assert sharing["enabled"] is True
    assert (shared.status_code, [s["source"] for s in shared.json()["sources"]]) == (200, ["realtime"])
    assert (pinned.status_code, [item["id"] for item in listed["results"]]) == (200, [FIXTURE_REPLAY_ID])

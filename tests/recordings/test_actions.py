"""The recordings actions: persist, viewed, similar_sessions, summarize, matching_events,
properties, bulk_delete, bulk_viewed, bulk_not_viewed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from recordings.models import (
    DeletedRecording,
    RecordingClick,
    RecordingError,
    SessionRecording,
    SessionRecordingViewed,
)
from recordings_api.models import Environment, User
from tests.factories import SessionEventFactory
from tests.recordings.conftest import Dataset, make_recording

pytestmark = pytest.mark.django_db

NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Recording not found", "attr": None}


def _foreign(other_environment: Environment) -> SessionRecording:
    return make_recording(other_environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)


# --- persist ----------------------------------------------------------------------------------


def test_persist(api: APIClient, environment: Environment, recordings_url: str) -> None:
    recording = make_recording(environment, start=timezone.now() - timedelta(days=29), duration=60, active=1)
    url = f"{recordings_url}{recording.session_id}/"

    response = api.post(f"{url}persist/")

    assert (response.status_code, response.json()) == (200, {"success": True})
    recording.refresh_from_db()
    assert recording.persisted is True
    body = api.get(url).json()
    assert (body["storage"], body["expiry_time"], body["recording_ttl"]) == ("object_storage_lts", None, None)
    assert api.post(f"{url}persist/").json() == {"success": True}


def test_persisted_recording_outlives_retention(
    api: APIClient, environment: Environment, recordings_url: str
) -> None:
    recording = make_recording(environment, start=timezone.now() - timedelta(days=29), duration=60, active=1)
    api.post(f"{recordings_url}{recording.session_id}/persist/")
    SessionRecording.objects.filter(pk=recording.pk).update(start_time=timezone.now() - timedelta(days=60))

    assert [row["id"] for row in api.get(recordings_url).json()["results"]] == [recording.session_id]


def test_persist_errors(
    api: APIClient,
    key_client: Callable[..., APIClient],
    other_environment: Environment,
    environment: Environment,
    recordings_url: str,
) -> None:
    foreign = _foreign(other_environment)
    mine = make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)

    assert api.post(f"{recordings_url}{foreign.session_id}/persist/").json() == NOT_FOUND
    assert api.post(f"{recordings_url}nope/persist/").status_code == 404
    assert (
        key_client(["session_recording:read"]).post(f"{recordings_url}{mine.session_id}/persist/").status_code
        == 403
    )
    assert SessionRecording.objects.filter(persisted=True).count() == 0


# --- viewed -----------------------------------------------------------------------------------


def test_viewed_state(
    api: APIClient, owner: User, teammate: User, environment: Environment, recordings_url: str
) -> None:
    recording = make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)
    url = f"{recordings_url}{recording.session_id}/viewed/"

    assert api.get(url).json() == {"viewed": False, "other_viewers": 0}
    SessionRecordingViewed.objects.create(
        environment=environment, user=teammate, session_id=recording.session_id
    )
    api.patch(f"{recordings_url}{recording.session_id}/", {"viewed": True}, format="json")

    assert api.get(url).json() == {"viewed": True, "other_viewers": 1}


def test_viewed_other_environment_is_404(
    api: APIClient, other_environment: Environment, recordings_url: str
) -> None:
    response = api.get(f"{recordings_url}{_foreign(other_environment).session_id}/viewed/")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- similar_sessions -------------------------------------------------------------------------


def test_similar_sessions_ranking(
    api: APIClient, environment: Environment, other_environment: Environment, recordings_url: str
) -> None:
    now = timezone.now()

    def recording(urls: list[str], events: list[str], hours: float) -> SessionRecording:
        row = make_recording(
            environment,
            start=now - timedelta(hours=hours),
            duration=60,
            active=1,
            urls=urls,
            start_url=urls[0],
        )
        for event in events:
            SessionEventFactory.create(environment=environment, session_id=row.session_id, event=event)
        return row

    target = recording(["https://a.com/x?q=1", "https://a.com/y"], ["$pageview", "signup"], 1)
    same = recording(["https://a.com/x/", "https://A.com/y"], ["$pageview", "signup"], 2)
    half = recording(["https://a.com/x"], ["$pageview"], 3)
    unrelated = recording(["https://b.com/"], ["other"], 4)
    make_recording(other_environment, start=now, duration=60, active=1, urls=["https://a.com/x"])

    response = api.get(f"{recordings_url}{target.session_id}/similar_sessions/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["id"], first["similarity"]) == (same.session_id, 1.0)
    assert first["shared_urls"] == ["https://a.com/x", "https://a.com/y"]
    assert first["shared_events"] == ["$pageview", "signup"]
    assert (second["id"], second["similarity"]) == (half.session_id, 0.5)
    assert unrelated.session_id not in {row["id"] for row in body["results"]}
    assert set(first) == {"id", "similarity", "start_time", "shared_urls", "shared_events"}


def test_similar_sessions_limit_and_errors(
    api: APIClient, environment: Environment, other_environment: Environment, recordings_url: str
) -> None:
    now = timezone.now()
    target = make_recording(environment, start=now, duration=60, active=1, urls=["https://a.com/"])
    for hours in range(3):
        make_recording(
            environment,
            start=now - timedelta(hours=hours + 1),
            duration=60,
            active=1,
            urls=["https://a.com/"],
        )
    url = f"{recordings_url}{target.session_id}/similar_sessions/"

    assert api.get(url, {"limit": 2}).json()["count"] == 2
    assert api.get(url, {"limit": 0}).json()["attr"] == "limit"
    assert (
        api.get(f"{recordings_url}{_foreign(other_environment).session_id}/similar_sessions/").status_code
        == 404
    )


# --- summarize --------------------------------------------------------------------------------


def test_summarize_is_deterministic(api: APIClient, environment: Environment, recordings_url: str) -> None:
    start = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    recording = make_recording(
        environment,
        start=start,
        duration=300,
        active=100,
        click_count=7,
        console_error_count=2,
        console_warn_count=1,
        dead_click_count=1,
        rage_click_count=1,
        error_count=1,
    )

    def event(name: str, seconds: float, **properties: Any) -> None:
        SessionEventFactory.create(
            environment=environment,
            session_id=recording.session_id,
            event=name,
            timestamp=start + timedelta(seconds=seconds),
            properties=properties,
        )

    def click(seconds, key, **fields):
        RecordingClick.objects.create(
            environment=environment,
            session_id=recording.session_id,
            click_key=key,
            timestamp=start + timedelta(seconds=seconds),
            **fields,
        )

    event("$pageview", 0, **{"$current_url": "https://a.com/"})
    for offset in (10, 10.3, 10.6, 10.9):
        event("$autocapture", offset, **{"$event_type": "click", "$elements_chain": "button.pay"})
    event("$autocapture", 20, **{"$event_type": "click", "$elements_chain": "a.help"})
    event("$pageview", 40, **{"$current_url": "https://a.com/pay"})
    event("$exception", 50, **{"$exception_type": "TypeError", "$exception_message": "x is undefined"})
    click(10.6, "rage", source="rrweb", tag="button", classes=["pay"], text="Pay", is_rage=True)
    click(20, "dead", source="event", tag="a", selector="a.help", url="https://a.com/", is_dead=True)
    click(30, "plain", source="rrweb", tag="button")
    RecordingError.objects.create(
        environment=environment,
        event_id="0" * 32,
        session_id=recording.session_id,
        timestamp=start + timedelta(seconds=50),
        exception_type="TypeError",
        exception_value="x is undefined",
    )
    url = f"{recordings_url}{recording.session_id}/summarize/"

    first = api.post(url)
    second = api.post(url)

    assert first.status_code == 200 and first.json() == second.json()
    iso = lambda seconds: (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S") + "Z"  # noqa: E731
    assert first.json() == {
        "session_id": recording.session_id,
        "duration_seconds": 300,
        "active_seconds": 100,
        "pages": [
            {"url": "https://a.com/", "entered_at": iso(0), "seconds": 40},
            {"url": "https://a.com/pay", "entered_at": iso(40), "seconds": 260},
        ],
        "clicks": {"count": 7, "autocapture_clicks": 5, "dead_clicks": 1, "rage_clicks": 1},
        "rage_clicks": [
            {
                "timestamp": (start + timedelta(seconds=10.6)).isoformat().replace("+00:00", "Z"),
                "element": "button.pay",
                "text": "Pay",
                "url": "",
            }
        ],
        "dead_clicks": [{"timestamp": iso(20), "element": "a.help", "text": "", "url": "https://a.com/"}],
        "errors": {
            "console_error_count": 2,
            "console_warn_count": 1,
            "count_errors": 1,
            "exceptions": [
                {"timestamp": iso(50), "level": "error", "type": "TypeError", "message": "x is undefined"}
            ],
        },
        "inactivity": {
            "inactive_seconds": 200,
            "idle_periods": [{"start": iso(50), "end": iso(300), "seconds": 250}],
        },
        "summary": "The user visited 2 pages over 5m 0s (active for 1m 40s). They clicked 7 times, "
        "with 1 rage click. 3 errors occurred. The longest idle period lasted 4m 10s.",
    }


def test_summarize_without_events_uses_urls(
    api: APIClient, environment: Environment, recordings_url: str
) -> None:
    recording = make_recording(
        environment,
        start=timezone.now() - timedelta(hours=1),
        duration=30,
        active=30,
        start_url="https://a.com/",
        urls=["https://a.com/", "https://a.com/b"],
        click_count=1,
    )

    body = api.post(f"{recordings_url}{recording.session_id}/summarize/").json()

    assert body["pages"] == [
        {"url": "https://a.com/", "entered_at": None, "seconds": None},
        {"url": "https://a.com/b", "entered_at": None, "seconds": None},
    ]
    assert body["summary"] == (
        "The user visited 2 pages over 30s (active for 30s). They clicked 1 time. No errors occurred."
    )


def test_summarize_read_scope_and_404(
    key_client: Callable[..., APIClient],
    environment: Environment,
    other_environment: Environment,
    recordings_url: str,
) -> None:
    recording = make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=30, active=1)
    reader = key_client(["session_recording:read"])

    assert reader.post(f"{recordings_url}{recording.session_id}/summarize/").status_code == 200
    assert (
        reader.post(f"{recordings_url}{_foreign(other_environment).session_id}/summarize/").status_code == 404
    )


# --- matching_events --------------------------------------------------------------------------


def test_matching_events(api: APIClient, dataset: Dataset, recordings_url: str) -> None:
    events = json.dumps([{"id": "$autocapture", "type": "events"}, {"id": "purchase", "type": "events"}])

    response = api.get(
        f"{recordings_url}matching_events/", {"session_ids": '["alpha-session"]', "events": events}
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["event"] for row in results] == ["$autocapture", "purchase"]
    assert set(results[0]) == {"uuid", "timestamp", "event"}


def test_matching_events_with_event_properties(api: APIClient, dataset: Dataset, recordings_url: str) -> None:
    properties = json.dumps([{"key": "amount", "value": 10, "operator": "gt", "type": "event"}])

    response = api.get(
        f"{recordings_url}matching_events/", {"session_ids": '["alpha-session"]', "properties": properties}
    )

    assert [row["event"] for row in response.json()["results"]] == ["purchase"]


@pytest.mark.parametrize(
    ("params", "attr", "detail"),
    [
        ({"events": '[{"id": "$pageview"}]'}, "session_ids", "Must specify exactly one session_id."),
        (
            {"session_ids": '["a", "b"]', "events": '[{"id": "$pageview"}]'},
            "session_ids",
            "Must specify exactly one session_id.",
        ),
        (
            {"session_ids": '["alpha-session"]'},
            "events",
            "Must specify at least one event or action filter, or event properties filter.",
        ),
        ({"session_ids": '["alpha-session"]', "events": "[1]"}, "events", None),
        ({"session_ids": '["alpha-session"]', "tomato": "1"}, "tomato", None),
    ],
)
def test_matching_events_invalid(
    api: APIClient,
    dataset: Dataset,
    recordings_url: str,
    params: dict[str, str],
    attr: str,
    detail: str | None,
) -> None:
    response = api.get(f"{recordings_url}matching_events/", params)

    assert response.status_code == 400
    assert response.json()["attr"] == attr
    if detail:
        assert response.json()["detail"] == detail


def test_matching_events_other_environment_is_404(
    api: APIClient, dataset: Dataset, recordings_url: str
) -> None:
    response = api.get(
        f"{recordings_url}matching_events/", {"session_ids": '["other-session"]', "events": '[{"id": null}]'}
    )

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- properties -------------------------------------------------------------------------------


def test_properties(api: APIClient, dataset: Dataset, recordings_url: str) -> None:
    response = api.get(
        f"{recordings_url}properties/", {"session_ids": '["beta-session", "other-session", "alpha-session"]'}
    )

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": "beta-session",
                "properties": {"$browser": "Firefox", "$os": "Windows", "$device_type": "Mobile"},
            },
            {
                "id": "alpha-session",
                "properties": {"$browser": "Chrome", "$os": "Mac OS X", "$device_type": "Desktop"},
            },
        ]
    }


@pytest.mark.parametrize(
    ("params", "attr"),
    [({}, "session_ids"), ({"session_ids": "[]"}, "session_ids"), ({"order": "duration"}, "order")],
)
def test_properties_invalid(
    api: APIClient, environment: Environment, recordings_url: str, params: dict[str, str], attr: str
) -> None:
    response = api.get(f"{recordings_url}properties/", params)

    assert (response.status_code, response.json()["attr"]) == (400, attr)


# --- bulk actions -----------------------------------------------------------------------------


def test_bulk_delete(
    api: APIClient,
    dataset: Dataset,
    recordings_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    ids = ["alpha-session", "beta-session", "other-session", "nope", "alpha-session"]

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(f"{recordings_url}bulk_delete/", {"session_recording_ids": ids}, format="json")

    assert response.status_code == 200
    assert response.json() == {"success": True, "deleted_count": 2, "total_requested": 4, "failed_ids": []}
    assert len(callbacks) == 2
    assert set(DeletedRecording.objects.values_list("session_id", flat=True)) == {
        "alpha-session",
        "beta-session",
    }
    assert set(SessionRecording.objects.values_list("session_id", flat=True)) == {
        "gamma-session",
        "other-session",
    }
    again = api.post(f"{recordings_url}bulk_delete/", {"session_recording_ids": ids}, format="json")
    assert again.json()["deleted_count"] == 0


@pytest.mark.parametrize("action", ["bulk_delete", "bulk_viewed", "bulk_not_viewed"])
@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "session_recording_ids"),
        ({"session_recording_ids": []}, "session_recording_ids"),
        ({"session_recording_ids": "abc"}, "session_recording_ids"),
        ({"session_recording_ids": [f"s{i}" for i in range(101)]}, "session_recording_ids"),
        ({"session_recording_ids": ["a"], "extra": 1}, "extra"),
    ],
)
def test_bulk_invalid(
    api: APIClient,
    environment: Environment,
    recordings_url: str,
    action: str,
    body: dict[str, Any],
    attr: str,
) -> None:
    response = api.post(f"{recordings_url}{action}/", body, format="json")

    assert (response.status_code, response.json()["attr"]) == (400, attr)


def test_bulk_viewed_and_not_viewed(
    api: APIClient,
    owner: User,
    teammate: User,
    dataset: Dataset,
    environment: Environment,
    recordings_url: str,
) -> None:
    ids = ["alpha-session", "beta-session", "other-session"]
    SessionRecordingViewed.objects.create(environment=environment, user=teammate, session_id="alpha-session")

    viewed = api.post(f"{recordings_url}bulk_viewed/", {"session_recording_ids": ids}, format="json")
    again = api.post(f"{recordings_url}bulk_viewed/", {"session_recording_ids": ids}, format="json")

    assert viewed.json() == {"success": True, "viewed_count": 2, "total_requested": 3}
    assert again.json() == {"success": True, "viewed_count": 2, "total_requested": 3}
    mine = SessionRecordingViewed.objects.filter(user=owner)
    assert set(mine.values_list("session_id", flat=True)) == {"alpha-session", "beta-session"}

    not_viewed = api.post(
        f"{recordings_url}bulk_not_viewed/", {"session_recording_ids": ["alpha-session"]}, format="json"
    )

    assert not_viewed.json() == {"success": True, "not_viewed_count": 1, "total_requested": 1}
    assert set(mine.values_list("session_id", flat=True)) == {"beta-session"}
    assert SessionRecordingViewed.objects.filter(user=teammate).count() == 1

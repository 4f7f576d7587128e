"""GET …/session_recordings/: body, pagination, isolation, auth and query count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording, SessionRecordingViewed
from recordings_api.models import Environment, User
from tests.factories import PersonFactory
from tests.recordings.conftest import Dataset, base_url, make_recording, result_ids

pytestmark = pytest.mark.django_db


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_recording(recording: SessionRecording, **overrides: Any) -> dict[str, Any]:
    start = recording.start_time.astimezone(UTC)
    expiry = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=30)
    body = {
        "id": recording.session_id,
        "distinct_id": recording.distinct_id,
        "viewed": False,
        "viewers": [],
        "recording_duration": 120,
        "active_seconds": 60,
        "inactive_seconds": 60,
        "start_time": _iso(recording.start_time),
        "end_time": _iso(recording.end_time),
        "click_count": 3,
        "keypress_count": 5,
        "mouse_activity_count": 20,
        "console_log_count": 1,
        "console_warn_count": 0,
        "console_error_count": 0,
        "start_url": "https://example.com/",
        "person": None,
        "storage": "object_storage",
        "retention_period_days": 30,
        "expiry_time": _iso(expiry),
        "recording_ttl": (expiry.date() - timezone.now().astimezone(UTC).date()).days,
        "snapshot_source": "web",
        "snapshot_library": None,
        "ongoing": True,
        # (60 + 3 + 5 + 0) / (20 + 120 + 0 + 1 + 0) * 100
        "activity_score": 48.23,
        "matches_filters": True,
        "external_references": [],
        "total_size": 0,
        "event_count": 0,
        # The click index and Sentry segments (one data model with the Sentry face).
        "count_dead_clicks": 0,
        "count_rage_clicks": 0,
        "count_urls": 0,
        "count_segments": 0,
    }
    body.update(overrides)
    return body


def test_list_full_body(
    api: APIClient, environment: Environment, owner: User, teammate: User, recordings_url: str
) -> None:
    recording = make_recording(
        environment, start=timezone.now() - timedelta(hours=2), duration=120, active=60
    )
    person = PersonFactory.create(
        environment=environment, distinct_ids=[recording.distinct_id], properties={"email": "p@example.com"}
    )
    SessionRecordingViewed.objects.create(
        environment=environment, user=owner, session_id=recording.session_id
    )
    SessionRecordingViewed.objects.create(
        environment=environment, user=teammate, session_id=recording.session_id
    )

    response = api.get(recordings_url)

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "count_is_estimate": False,
        "next": None,
        "previous": None,
        "has_next": False,
        "version": 4,
        "next_cursor": None,
        "results": [
            expected_recording(
                recording,
                viewed=True,
                viewers=["bob@example.com"],
                person={
                    "id": person.pk,
                    "name": "p@example.com",
                    "distinct_ids": [recording.distinct_id],
                    "properties": {"email": "p@example.com"},
                    "created_at": _iso(person.created_at),
                    "uuid": str(person.uuid),
                    "last_seen_at": None,
                },
            )
        ],
    }


def test_list_person_placeholder_is_stable(
    api: APIClient, environment: Environment, recordings_url: str
) -> None:
    recording = make_recording(
        environment, start=timezone.now() - timedelta(hours=2), duration=120, active=60
    )

    first = api.get(recordings_url).json()["results"][0]["person"]
    second = api.get(recordings_url).json()["results"][0]["person"]

    assert first == second
    assert {key: value for key, value in first.items() if key != "uuid"} == {
        "id": None,
        "name": None,
        "distinct_ids": [recording.distinct_id],
        "properties": {},
        "created_at": None,
        "last_seen_at": None,
    }


def test_list_ongoing_and_lts_fields(api: APIClient, environment: Environment, recordings_url: str) -> None:
    recording = make_recording(
        environment, start=timezone.now() - timedelta(hours=2), duration=120, active=60
    )
    SessionRecording.objects.filter(pk=recording.pk).update(
        last_ingested_at=timezone.now() - timedelta(minutes=6), persisted=True
    )

    row = api.get(recordings_url).json()["results"][0]

    assert (row["ongoing"], row["storage"], row["expiry_time"], row["recording_ttl"]) == (
        False,
        "object_storage_lts",
        None,
        None,
    )


def test_list_pagination(api: APIClient, environment: Environment, recordings_url: str) -> None:
    now = timezone.now()
    rows = [
        make_recording(environment, start=now - timedelta(hours=i + 1), duration=60, active=1)
        for i in range(3)
    ]

    first = api.get(recordings_url, {"limit": 2})
    second = api.get(recordings_url, {"limit": 2, "offset": 2})

    assert first.json()["count"] == 3 and first.json()["has_next"] is True
    assert "offset=2" in first.json()["next"] and first.json()["previous"] is None
    assert result_ids(first) == [rows[0].session_id, rows[1].session_id]
    assert result_ids(second) == [rows[2].session_id]
    assert second.json()["has_next"] is False and second.json()["next"] is None


def test_list_default_limit_is_50(api: APIClient, environment: Environment, recordings_url: str) -> None:
    now = timezone.now()
    for i in range(51):
        make_recording(environment, start=now - timedelta(minutes=i + 1), duration=60, active=1)

    body = api.get(recordings_url).json()

    assert (len(body["results"]), body["count"], body["has_next"]) == (50, 51, True)


def test_list_no_leak(api: APIClient, dataset: Dataset, recordings_url: str) -> None:
    response = api.get(recordings_url)

    assert sorted(dataset.names(response)) == ["alpha", "beta", "gamma"]


def test_list_hides_deleted_and_expired(
    api: APIClient, environment: Environment, recordings_url: str
) -> None:
    now = timezone.now()
    kept = make_recording(environment, start=now - timedelta(hours=1), duration=60, active=1)
    tombstoned = make_recording(environment, start=now - timedelta(hours=1), duration=60, active=1)
    DeletedRecording.objects.create(environment=environment, session_id=tombstoned.session_id)
    make_recording(environment, start=now - timedelta(days=31), duration=60, active=1)
    short = make_recording(
        environment, start=now - timedelta(days=8), duration=60, active=1, retention_period_days=7
    )
    pinned = make_recording(
        environment, start=now - timedelta(days=400), duration=60, active=1, persisted=True
    )

    ids = result_ids(api.get(recordings_url))

    assert ids == [kept.session_id, pinned.session_id]
    assert short.session_id not in ids


def test_list_environment_retention_setting(
    api: APIClient, environment: Environment, recordings_url: str
) -> None:
    environment.session_recording_retention_days = 90
    environment.save()
    recording = make_recording(environment, start=timezone.now() - timedelta(days=40), duration=60, active=1)

    row = api.get(recordings_url).json()["results"][0]

    assert (row["id"], row["retention_period_days"]) == (recording.session_id, 90)
    assert row["recording_ttl"] == 50  # calendar days: (start day + 90) - today


def test_list_requires_authentication(environment: Environment, recordings_url: str) -> None:
    anonymous = APIClient().get(recordings_url)
    bad_key = APIClient(HTTP_AUTHORIZATION="Bearer phx_notakey").get(recordings_url)

    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert bad_key.status_code == 401
    assert bad_key.json()["code"] == "authentication_failed"


def test_list_requires_read_scope(
    key_client: Callable[..., APIClient], environment: Environment, recordings_url: str
) -> None:
    response = key_client(["session_recording_playlist:read", "sharing_configuration:write"]).get(
        recordings_url
    )

    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'session_recording:read'",
        "attr": None,
    }


def test_list_other_organization_is_404(
    key_client: Callable[..., APIClient], outsider: User, environment: Environment, recordings_url: str
) -> None:
    response = key_client(["*"], user=outsider).get(recordings_url)

    assert response.status_code == 404


def test_list_unknown_environment_is_404(api: APIClient, prefix: str) -> None:
    response = api.get(f"/api/{prefix}/999999/session_recordings/")

    assert response.status_code == 404


def test_list_personal_api_key_in_query_string(
    make_key: Callable[..., str], owner: User, environment: Environment, recordings_url: str
) -> None:
    key = make_key(owner, ["session_recording:read"])

    response = APIClient().get(recordings_url, {"personal_api_key": key})

    assert response.status_code == 200


def _query_count(api: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, {"limit": 100}).status_code == 200
    return len(queries.captured_queries)


def test_list_query_count_is_constant(
    api: APIClient,
    environment: Environment,
    owner: User,
    teammate: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    url = base_url(environment)
    now = timezone.now()

    def add(count: int) -> None:
        for _ in range(count):
            recording = make_recording(environment, start=now - timedelta(hours=1), duration=60, active=1)
            PersonFactory.create(environment=environment, distinct_ids=[recording.distinct_id])
            for user in (owner, teammate):
                SessionRecordingViewed.objects.create(
                    environment=environment, user=user, session_id=recording.session_id
                )

    add(2)
    api.get(url)  # warm-up: the key's last_used_at is written once
    small = _query_count(api, url)
    add(20)

    with django_assert_num_queries(small):
        response = api.get(url, {"limit": 100})

    assert len(response.json()["results"]) == 22

"""The derived fields' formulas (PostHog's ClickHouse expressions) on sub-second data.

A recording from 10:00:30.800 to 10:00:33.200 with 2,500 ms of activity: PostHog's
``dateDiff('second', start, end)`` counts second boundaries (33 - 30 = 3, as the displayed
times say), ``active_seconds`` is 2.5 (shown truncated: 2), ``inactive_seconds`` is
3 - 2.5 = 0.5 (shown: 0) and ``activity_score`` uses the fractional 2.5.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.metrics import formulas as metrics
from recordings.models import SessionRecording
from recordings_api.models import Environment
from tests.factories import SessionRecordingFactory
from tests.recordings.conftest import base_url, result_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub_second(environment: Environment) -> SessionRecording:
    start = timezone.now().astimezone(UTC).replace(microsecond=800_000) - timedelta(hours=1)
    return SessionRecordingFactory.create(
        environment=environment,
        start_time=start,
        end_time=start + timedelta(milliseconds=2_400),
        active_milliseconds=2_500,
        click_count=1,
        keypress_count=0,
        mouse_activity_count=4,
        console_log_count=0,
        console_warn_count=0,
        console_error_count=0,
    )


def test_sub_second_fields(api: APIClient, environment: Environment, sub_second: SessionRecording) -> None:
    row = api.get(f"{base_url(environment)}{sub_second.session_id}/").json()

    shown_start = datetime.strptime(row["start_time"], "%Y-%m-%dT%H:%M:%SZ")
    shown_end = datetime.strptime(row["end_time"], "%Y-%m-%dT%H:%M:%SZ")
    assert (shown_end - shown_start).total_seconds() == 3
    assert (row["recording_duration"], row["active_seconds"], row["inactive_seconds"]) == (3, 2, 0)
    # (2.5 + 1 + 0 + 0) / (4 + 3 + 0 + 0 + 0) * 100
    assert row["activity_score"] == 50.0


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("duration:3", True),
        ("duration:2", False),
        ("active_seconds:>2", True),
        ("active_seconds:>=2.6", False),
        ("inactive_seconds:<1", True),
        ("activity_score:50", True),
    ],
)
def test_sub_second_filters_use_the_same_formulas(
    api: APIClient, environment: Environment, sub_second: SessionRecording, query: str, matches: bool
) -> None:
    ids = result_ids(api.get(base_url(environment), {"query": query}))

    assert ids == ([sub_second.session_id] if matches else [])


def test_sql_and_python_activity_scores_agree(
    api: APIClient, environment: Environment, sub_second: SessionRecording
) -> None:
    listed = api.get(base_url(environment), {"order": "activity_score"}).json()["results"][0]

    assert listed["activity_score"] == metrics.activity_score(sub_second) == 50.0


@pytest.mark.parametrize(
    ("days_ago", "retention", "ttl"), [(1, 30, 29), (0, 30, 30), (29, 30, 1), (10, 365, 355)]
)
def test_recording_ttl_counts_calendar_days(
    api: APIClient, environment: Environment, days_ago: int, retention: int, ttl: int
) -> None:
    """PostHog: ``dateDiff('day', now, expiry_time)`` — 30-day retention, 1 day old → 29."""
    midnight = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight - timedelta(days=days_ago) + timedelta(seconds=1)
    recording = SessionRecordingFactory.create(
        environment=environment,
        start_time=start,
        end_time=start + timedelta(seconds=5),
        retention_period_days=retention,
    )

    row = api.get(f"{base_url(environment)}{recording.session_id}/").json()

    assert row["recording_ttl"] == ttl


def test_recording_ttl_python_twin_is_calendar_days(environment: Environment) -> None:
    now = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    recording = SessionRecordingFactory.build(
        environment=environment,
        start_time=datetime(2026, 3, 9, 1, 0, tzinfo=UTC),
        end_time=datetime(2026, 3, 9, 1, 5, tzinfo=UTC),
        retention_period_days=30,
    )

    assert metrics.expiry_time(recording, environment) == datetime(2026, 4, 8, tzinfo=UTC)
    assert metrics.recording_ttl(recording, environment, now=now) == 29


def test_activity_score_ties_round_like_the_database(api: APIClient, environment: Environment) -> None:
    """97 / 800 * 100 = 12.125: the response, the filter and SQL all say 12.13."""
    start = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    recording = SessionRecordingFactory.create(
        environment=environment,
        start_time=start,
        end_time=start + timedelta(seconds=800),
        active_milliseconds=97_000,
        click_count=0,
        keypress_count=0,
        mouse_activity_count=0,
        console_log_count=0,
        console_warn_count=0,
        console_error_count=0,
    )
    url = base_url(environment)

    assert api.get(f"{url}{recording.session_id}/").json()["activity_score"] == 12.13
    assert result_ids(api.get(url, {"query": "activity_score:12.13"})) == [recording.session_id]

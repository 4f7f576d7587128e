"""``count`` is exact up to ``RECORDINGS_COUNT_EXACT_LIMIT``, an estimate beyond (flagged);
``has_next`` is always exact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings.counting import ListCount, list_count, page_count
from recordings.models import SessionRecording
from recordings_api.models import Environment
from tests.recordings.conftest import make_recording, result_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(environment: Environment, settings: Settings) -> list[str]:
    settings.RECORDINGS_COUNT_EXACT_LIMIT = 3
    now = timezone.now()
    return [
        make_recording(
            environment, start=now - timedelta(hours=i + 1), duration=30 + i * 60, active=1
        ).session_id
        for i in range(5)
    ]


def _summary(body: dict[str, object]) -> tuple[object, ...]:
    return body["count"], body["count_is_estimate"], body["has_next"]


def test_beyond_the_limit_the_count_is_an_estimate(
    api: APIClient, five: list[str], recordings_url: str
) -> None:
    response = api.get(recordings_url, {"limit": 2})
    body = response.json()

    assert result_ids(response) == five[:2]
    assert body["has_next"] is True and "offset=2" in body["next"]
    assert body["count_is_estimate"] is (connection.vendor == "postgresql")
    assert body["count"] >= 4 if body["count_is_estimate"] else body["count"] == 5


def test_a_page_that_ends_the_list_counts_exactly(
    api: APIClient, five: list[str], recordings_url: str
) -> None:
    assert _summary(api.get(recordings_url, {"limit": 10}).json()) == (5, False, False)
    last = api.get(recordings_url, {"limit": 2, "offset": 4})
    assert (result_ids(last), _summary(last.json()), last.json()["next"]) == (
        [five[4]],
        (5, False, False),
        None,
    )


def test_within_the_limit_the_count_is_exact(api: APIClient, five: list[str], recordings_url: str) -> None:
    longer = '[{"type": "recording", "key": "duration", "value": 100, "operator": "gt"}]'
    body = api.get(recordings_url, {"limit": "1", "having_predicates": longer}).json()

    assert _summary(body) == (3, False, True)


def test_past_the_end_the_count_is_still_given(api: APIClient, five: list[str], recordings_url: str) -> None:
    longest = '[{"type": "recording", "key": "duration", "value": 200, "operator": "gt"}]'
    body = api.get(recordings_url, {"offset": "10", "having_predicates": longest}).json()

    assert (body["results"], _summary(body)) == ([], (2, False, False))


def test_a_cursor_page_is_counted_the_same_way(api: APIClient, five: list[str], recordings_url: str) -> None:
    first = api.get(recordings_url, {"limit": 2}).json()
    second = api.get(recordings_url, {"limit": 2, "after": first["next_cursor"]}).json()

    assert [row["id"] for row in second["results"]] == five[2:4]
    assert second["has_next"] is True
    assert (second["count"], second["count_is_estimate"]) == (first["count"], first["count_is_estimate"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the budget is PostgreSQL's statement_timeout")
def test_a_count_over_its_budget_is_an_estimate(environment: Environment, settings: Settings) -> None:
    settings.RECORDINGS_COUNT_BUDGET_MS = 50
    make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)
    recordings = SessionRecording.objects.filter(environment=environment)
    assert list_count(recordings) == ListCount(1)
    # Each row now takes 200 ms to test (planning the estimate does not run it).
    slow = recordings.extra(where=["pg_sleep(0.2) IS NOT NULL"])

    counted = list_count(slow)

    assert counted.is_estimate is True
    with connection.cursor() as cursor:  # the budget did not outlive the count
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the budget is PostgreSQL's statement_timeout")
def test_an_estimate_is_never_below_what_the_page_proves(
    environment: Environment, settings: Settings
) -> None:
    settings.RECORDINGS_COUNT_BUDGET_MS = 50
    now = timezone.now()
    for hours in range(3):
        make_recording(environment, start=now - timedelta(hours=hours + 1), duration=60, active=1)
    # Each row takes 200 ms to test: the count runs out of budget, and the planner guesses 1 row.
    slow = SessionRecording.objects.filter(environment=environment).extra(where=["pg_sleep(0.2) IS NOT NULL"])
    assert list_count(slow).value < 3

    counted = page_count(offset=1, page_rows=1, has_next=True, queryset=slow)

    assert counted == ListCount(3, is_estimate=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate is PostgreSQL's")
def test_the_planner_is_asked_once_per_statement_while_its_estimate_is_kept(
    environment: Environment, settings: Settings
) -> None:
    settings.RECORDINGS_COUNT_EXACT_LIMIT = 0  # every count is the planner's estimate
    make_recording(environment, start=timezone.now() - timedelta(hours=1), duration=60, active=1)
    recordings = SessionRecording.objects.filter(environment=environment)

    def explains(queryset: object) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert list_count(queryset).is_estimate  # type: ignore[arg-type]
        return sum(query["sql"].startswith("EXPLAIN") for query in queries.captured_queries)

    assert (explains(recordings), explains(recordings)) == (1, 0)
    assert explains(recordings.filter(duration__gt=10)) == 1  # another statement: planned anew
    settings.RECORDINGS_COUNT_ESTIMATE_SECONDS = 0
    assert (explains(recordings.filter(duration__gt=20)), explains(recordings.filter(duration__gt=20))) == (
        1,
        1,
    )

"""All 15 ``order`` values in both directions, on the ``dataset`` (values in conftest)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.filters import ORDERS
from recordings_api.models import Environment
from tests.recordings.conftest import Dataset, base_url, make_recording, result_ids

pytestmark = pytest.mark.django_db

# Newest/largest first (DESC). Ties are broken by start_time in the same direction.
EXPECTED_DESC = {
    "start_time": ["alpha", "beta", "gamma"],
    "duration": ["gamma", "alpha", "beta"],
    "recording_duration": ["gamma", "alpha", "beta"],
    "active_seconds": ["gamma", "alpha", "beta"],
    "inactive_seconds": ["alpha", "beta", "gamma"],  # beta and gamma tie at 20 s
    "console_error_count": ["alpha", "gamma", "beta"],
    "click_count": ["gamma", "alpha", "beta"],
    "keypress_count": ["gamma", "alpha", "beta"],
    "mouse_activity_count": ["beta", "alpha", "gamma"],
    "activity_score": ["gamma", "alpha", "beta"],
    "recording_ttl": ["beta", "gamma", "alpha"],  # 365-day, 90-day, 30-day retention
    "count_dead_clicks": ["gamma", "alpha", "beta"],
    "count_rage_clicks": ["gamma", "alpha", "beta"],
    "count_urls": ["alpha", "beta", "gamma"],
    "count_segments": ["gamma", "alpha", "beta"],
}


def test_every_order_is_covered() -> None:
    assert set(EXPECTED_DESC) == set(ORDERS) and len(ORDERS) == 15


@pytest.mark.parametrize("order", sorted(EXPECTED_DESC))
def test_order(api: APIClient, dataset: Dataset, order: str) -> None:
    url = base_url(dataset.alpha.environment)

    default = api.get(url, {"order": order})
    descending = api.get(url, {"order": order, "order_direction": "DESC"})
    ascending = api.get(url, {"order": order, "order_direction": "asc"})

    assert dataset.names(default) == EXPECTED_DESC[order]
    assert dataset.names(descending) == EXPECTED_DESC[order]
    assert dataset.names(ascending) == list(reversed(EXPECTED_DESC[order]))


def test_default_order_is_newest_first(api: APIClient, dataset: Dataset) -> None:
    assert dataset.names(api.get(base_url(dataset.alpha.environment))) == ["alpha", "beta", "gamma"]


def test_activity_score_without_activity_sorts_last(api: APIClient, environment: Environment) -> None:
    now = timezone.now()
    idle = make_recording(
        environment,
        start=now - timedelta(hours=1),
        duration=0,
        active=0,
        click_count=0,
        keypress_count=0,
        mouse_activity_count=0,
        console_log_count=0,
    )
    busy = make_recording(environment, start=now - timedelta(hours=2), duration=60, active=30)
    url = base_url(environment)

    descending = api.get(url, {"order": "activity_score"})
    ascending = api.get(url, {"order": "activity_score", "order_direction": "ASC"})

    assert result_ids(descending) == [busy.session_id, idle.session_id]
    assert result_ids(ascending) == [busy.session_id, idle.session_id]
    assert descending.json()["results"][1]["activity_score"] is None


def test_order_with_pagination_is_stable(api: APIClient, environment: Environment) -> None:
    now = timezone.now()
    rows = [
        make_recording(environment, start=now - timedelta(hours=1), duration=60, active=1) for _ in range(5)
    ]
    url = base_url(environment)

    pages = [
        result_ids(api.get(url, {"order": "duration", "limit": 2, "offset": offset})) for offset in (0, 2, 4)
    ]

    assert sorted(session_id for page in pages for session_id in page) == sorted(
        row.session_id for row in rows
    )

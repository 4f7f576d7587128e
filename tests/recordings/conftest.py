"""Fixtures of the recordings API tests.

``recordings_url`` is parametrized over both URL families (``/api/projects/{id}/`` and
``/api/environments/{id}/``). ``dataset`` is three recordings of ``environment`` with distinct
traits (so every filter, search and order has a single right answer) plus one recording of
``other_environment`` that must never leak:

=========  ==========  ========  ======  =======  ======  =================================
name       start       duration  active  clicks   errors  other
=========  ==========  ========  ======  =======  ======  =================================
alpha      now - 1 h   120 s     60 s    3        2       person alpha@example.com (age 31),
                                                          Chrome / Mac OS X / Desktop, shop URLs,
                                                          events $pageview, $autocapture, purchase
beta       now - 2 d   30 s      10 s    0        0       person beta@test.org (age "25"),
                                                          Firefox / Windows / Mobile, mobile,
                                                          warn 1, event $pageview, 365-day retention
gamma      now - 10 d  600 s     580 s   10       1       no person, no URLs, no properties,
                                                          90-day retention, log 5
=========  ==========  ========  ======  =======  ======  =================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from recordings.models import SessionRecording
from recordings_api.models import Environment
from tests.factories import PersonFactory, SessionEventFactory, SessionRecordingFactory

PREFIXES = ("projects", "environments")


@pytest.fixture(params=PREFIXES)
def prefix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def recordings_url(environment: Environment, prefix: str) -> str:
    return f"/api/{prefix}/{environment.id}/session_recordings/"


def base_url(environment: Environment, prefix: str = "projects") -> str:
    return f"/api/{prefix}/{environment.id}/session_recordings/"


def result_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def make_recording(
    environment: Environment, *, start: datetime, duration: int, active: int, **fields: Any
) -> SessionRecording:
    start = start.replace(microsecond=0)
    return SessionRecordingFactory.create(
        environment=environment,
        start_time=start,
        end_time=start + timedelta(seconds=duration),
        active_milliseconds=active * 1000,
        **fields,
    )


@dataclass
class Dataset:
    alpha: SessionRecording
    beta: SessionRecording
    gamma: SessionRecording
    other: SessionRecording

    def name_of(self, session_id: str) -> str:
        for name in ("alpha", "beta", "gamma", "other"):
            if getattr(self, name).session_id == session_id:
                return name
        raise AssertionError(f"unknown session {session_id}")

    def names(self, response: Any) -> list[str]:
        return [self.name_of(session_id) for session_id in result_ids(response)]


def _alpha(environment: Environment, now: datetime) -> SessionRecording:
    alpha = make_recording(
        environment,
        session_id="alpha-session",
        distinct_id="alpha-user",
        start=now - timedelta(hours=1),
        duration=120,
        active=60,
        click_count=3,
        keypress_count=5,
        mouse_activity_count=20,
        console_log_count=1,
        console_warn_count=0,
        console_error_count=2,
        start_url="https://shop.example.com/cart",
        urls=["https://shop.example.com/cart?item=1", "https://shop.example.com/checkout"],
        first_event_properties={"$browser": "Chrome", "$os": "Mac OS X", "$device_type": "Desktop"},
        dead_click_count=2,
        rage_click_count=1,
        url_count=2,
        segment_count=3,
    )
    PersonFactory.create(
        environment=environment,
        distinct_ids=["alpha-user"],
        properties={"email": "alpha@example.com", "age": 31, "plan": "pro"},
    )
    start = alpha.start_time
    SessionEventFactory.create(
        environment=environment,
        session_id=alpha.session_id,
        distinct_id="alpha-user",
        event="$pageview",
        timestamp=start + timedelta(seconds=1),
        properties={"$current_url": "https://shop.example.com/cart?item=1"},
    )
    SessionEventFactory.create(
        environment=environment,
        session_id=alpha.session_id,
        distinct_id="alpha-user",
        event="$autocapture",
        timestamp=start + timedelta(seconds=5),
        properties={"$event_type": "click", "$elements_chain": "button.buy"},
    )
    SessionEventFactory.create(
        environment=environment,
        session_id=alpha.session_id,
        distinct_id="alpha-user",
        event="purchase",
        timestamp=start + timedelta(seconds=60),
        properties={"amount": 30, "currency": "EUR"},
    )
    return alpha


def _beta(environment: Environment, now: datetime) -> SessionRecording:
    beta = make_recording(
        environment,
        session_id="beta-session",
        distinct_id="beta-user",
        start=now - timedelta(days=2),
        duration=30,
        active=10,
        click_count=0,
        keypress_count=1,
        mouse_activity_count=40,
        console_log_count=0,
        console_warn_count=1,
        console_error_count=0,
        start_url="https://example.com/",
        urls=["https://example.com/"],
        snapshot_source="mobile",
        retention_period_days=365,
        url_count=1,
        segment_count=1,
        first_event_properties={"$browser": "Firefox", "$os": "Windows", "$device_type": "Mobile"},
    )
    PersonFactory.create(
        environment=environment,
        distinct_ids=["beta-user"],
        properties={"email": "beta@test.org", "age": "25"},
    )
    SessionEventFactory.create(
        environment=environment,
        session_id=beta.session_id,
        distinct_id="beta-user",
        event="$pageview",
        timestamp=beta.start_time + timedelta(seconds=2),
        properties={"$current_url": "https://example.com/"},
    )
    return beta


def _gamma(environment: Environment, now: datetime) -> SessionRecording:
    return make_recording(
        environment,
        session_id="gamma-session",
        distinct_id="gamma-user",
        start=now - timedelta(days=10),
        duration=600,
        active=580,
        click_count=10,
        keypress_count=50,
        mouse_activity_count=5,
        console_log_count=5,
        console_warn_count=0,
        console_error_count=1,
        start_url=None,
        urls=[],
        first_event_properties={},
        retention_period_days=90,
        dead_click_count=5,
        rage_click_count=2,
        segment_count=7,
    )


@pytest.fixture
def dataset(environment: Environment, other_environment: Environment) -> Dataset:
    now = timezone.now()
    other = make_recording(
        other_environment,
        session_id="other-session",
        distinct_id="alpha-user",
        start=now - timedelta(hours=1),
        duration=120,
        active=60,
        urls=["https://shop.example.com/checkout"],
    )
    return Dataset(
        alpha=_alpha(environment, now),
        beta=_beta(environment, now),
        gamma=_gamma(environment, now),
        other=other,
    )

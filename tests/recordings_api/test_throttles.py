"""Throttle budgets hold under concurrency, on Redis and in the embedded (database) mode, and
failed authentication is throttled per client address."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings_api.models import Environment

CONCURRENCY = 32
BUDGET = 10
DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_entries"}
}


@pytest.fixture(params=["redis", "database"])
def budget_backend(request: pytest.FixtureRequest, transactional_db: None) -> Iterator[str]:
    """The cache the budgets count in: real Redis, or none (the embedded database windows)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    else:
        caches = DATABASE_CACHE
    with override_settings(CACHES=caches):
        if request.param == "database":
            # migrate creates the cache table only when the run's own cache is the database's.
            call_command("createcachetable", verbosity=0)
        yield request.param


def _concurrently(count: int, call: Callable[[], int]) -> list[int]:
    """``call`` from ``count`` threads released at once; each closes its database connection."""
    barrier = threading.Barrier(count)

    def run() -> int:
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: run(), range(count)))


def _rates(settings: Settings, **rates: str) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, **rates}


@pytest.mark.usefixtures("budget_backend")
def test_a_key_budget_lets_at_most_the_budget_through_32_parallel_callers(
    environment: Environment, key_client: Callable[..., APIClient], settings: Settings
) -> None:
    _rates(settings, burst=f"{BUDGET}/minute")
    client = key_client(["*"])
    url = f"/api/projects/{environment.id}/session_recordings/"

    statuses = _concurrently(CONCURRENCY, lambda: client.get(url).status_code)

    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) <= BUDGET + 1
    assert statuses.count(200) >= BUDGET


@pytest.mark.usefixtures("budget_backend")
def test_a_budget_refills_when_its_window_is_over(
    environment: Environment, key_client: Callable[..., APIClient], settings: Settings
) -> None:
    from recordings_api.budgets import Rate, budget_consume

    rate = Rate(limit=2, period_seconds=1)
    assert [budget_consume(key="refill", rate=rate) is None for _ in range(3)] == [True, True, False]
    wait = budget_consume(key="refill", rate=rate)
    assert wait is not None and 0 < wait <= 1
    threading.Event().wait(wait + 0.05)
    assert budget_consume(key="refill", rate=rate) is None


@pytest.mark.usefixtures("budget_backend")
def test_a_sharing_token_budget_holds_under_concurrency(environment: Environment, settings: Settings) -> None:
    from sharing.models import SharingConfiguration
    from tests.factories import SessionRecordingFactory

    _rates(settings, sharing_token=f"{BUDGET}/minute")
    recording = SessionRecordingFactory.create(environment=environment)
    shared = SharingConfiguration.objects.create(environment=environment, recording=recording, enabled=True)
    url = (
        f"/api/projects/{environment.id}/session_recordings/{recording.session_id}/"
        f"?sharing_access_token={shared.access_token}"
    )

    statuses = _concurrently(CONCURRENCY, lambda: APIClient().get(url).status_code)

    assert sorted(set(statuses)) == [200, 429]
    assert BUDGET <= statuses.count(200) <= BUDGET + 1


@pytest.mark.usefixtures("budget_backend")
def test_invalid_keys_from_one_address_are_throttled(environment: Environment, settings: Settings) -> None:
    _rates(settings, auth_failures="100/minute")
    url = f"/api/projects/{environment.id}/session_recordings/"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer phx_not-a-key")

    statuses = [client.get(url).status_code for _ in range(600)]

    assert statuses[:100] == [401] * 100
    assert set(statuses[100:]) == {429}
    response = client.get(url)
    assert response.json() == {
        "type": "throttled_error",
        "code": "throttled",
        "detail": response.json()["detail"],
        "attr": None,
    }
    assert int(response["Retry-After"]) > 0
    other_address = APIClient(REMOTE_ADDR="10.1.2.3")
    other_address.credentials(HTTP_AUTHORIZATION="Bearer phx_not-a-key")
    assert other_address.get(url).status_code == 401


@pytest.mark.usefixtures("budget_backend")
def test_a_valid_key_from_a_throttled_address_is_refused_too(
    environment: Environment, key_client: Callable[..., APIClient], settings: Settings
) -> None:
    _rates(settings, auth_failures="3/minute")
    url = f"/api/projects/{environment.id}/session_recordings/"
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Bearer phx_guess")
    assert [guesser.get(url).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert key_client(["*"]).get(url).status_code == 429
    assert key_client(["*"]).get(url, REMOTE_ADDR="10.9.9.9").status_code == 200


@pytest.mark.usefixtures("budget_backend")
def test_forwarded_addresses_count_only_behind_a_trusted_proxy(
    environment: Environment, settings: Settings
) -> None:
    _rates(settings, auth_failures="2/minute")
    url = f"/api/projects/{environment.id}/session_recordings/"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer phx_guess")
    # Untrusted: a forged X-Forwarded-For does not buy a fresh budget.
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 429]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client.get(url, HTTP_X_FORWARDED_FOR="10.0.0.7").status_code == 401

"""The Sentry face's browse vs. the PostHog list over the same large table, in the same run.

Setup as ``bench.recordings_list`` (its own PostgreSQL database ``bench_sentry_browse``, Redis
db 9, DEBUG off, ``BENCH_SENTRY_RECORDINGS`` recordings, default 100000, seeded by
``bench._recordings_seed``). Measured through Django's test client with a real personal API key,
``BENCH_SENTRY_REPEAT`` (default 20) calls per scenario after two warm-ups, interleaved:
``GET /api/0/organizations/{org}/replays/`` (a page of 50) and, as the baseline, the PostHog
list of the same page (``/api/environments/{id}/session_recordings/``, same order and filter).
Both go through the metric registry and the one search language, so the ratio shows what the
Sentry face costs on top of the same machinery (the PostHog list also counts its rows).
Printed: p50/p95 of each, their ratio, and the database queries of one browse request.

Correctness (fails the run): both faces return the same recordings in the same order.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bench._seed import (
    benchmark_run,
    django_setup,
    flushed_redis,
    percentile,
    postgres_database,
    production_environment,
    tenant_create,
)

REPEAT = int(os.environ.get("BENCH_SENTRY_REPEAT", "20"))
REDIS_URL = os.environ.get("BENCH_SENTRY_REDIS_URL", "redis://127.0.0.1:6379/9")
DB_NAME = "bench_sentry_browse"
PAGE = 50


@dataclass(frozen=True)
class Scenario:
    label: str
    sentry: dict[str, str]
    posthog: dict[str, str]


SCENARIOS = [
    Scenario("default order (newest first)", {}, {}),
    Scenario("sort=-duration", {"sort": "-duration"}, {"order": "duration"}),
    Scenario("sort=-count_rage_clicks", {"sort": "-count_rage_clicks"}, {"order": "count_rage_clicks"}),
    Scenario(
        "query: duration, dead clicks",
        {"query": "duration:>1m count_dead_clicks:>=0"},
        {"query": "duration:>1m count_dead_clicks:>=0"},
    ),
    Scenario("deep page (offset=5000)", {"offset": "5000"}, {"offset": "5000"}),
]


def _ids(response: Any, key: str) -> list[str]:
    if response.status_code != 200:
        raise AssertionError(f"HTTP {response.status_code} {response.content[:300]!r}")
    return [row["id"].replace("-", "") for row in response.json()[key]]


def _timed(call: Callable[[], list[str]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


@dataclass
class Measured:
    scenario: Scenario
    sentry_seconds: list[float]
    posthog_seconds: list[float]
    queries: int

    def ms(self, which: list[float], fraction: float) -> float:
        return percentile(which, fraction) * 1000


def measure(scenario: Scenario, *, client: Any, organization: str, environment_id: int, key: str) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    # A window holding every visible recording on both faces (retention is 30 days).
    sentry_query = urlencode({"limit": str(PAGE), "statsPeriod": "90d", **scenario.sentry})
    posthog_query = urlencode({"limit": str(PAGE), "date_from": "-90d", **scenario.posthog})

    def sentry() -> list[str]:
        return _ids(
            client.get(f"/api/0/organizations/{organization}/replays/?{sentry_query}", **auth), "data"
        )

    def posthog() -> list[str]:
        url = f"/api/environments/{environment_id}/session_recordings/?{posthog_query}"
        return _ids(client.get(url, **auth), "results")

    if sentry() != posthog():
        raise AssertionError(f"{scenario.label}: the two faces disagree on the page")
    sentry(), posthog()
    with CaptureQueriesContext(connection) as captured:
        sentry()
    queries = len(captured.captured_queries)
    sentry_seconds, posthog_seconds = [], []
    for _ in range(REPEAT):
        sentry_seconds.append(_timed(sentry)[0])
        posthog_seconds.append(_timed(posthog)[0])
    return Measured(scenario, sentry_seconds, posthog_seconds, queries)


def report(results: list[Measured]) -> None:
    print(f"{'scenario':<34}{'browse p50':>11}{'p95':>7}{'list p50':>10}{'p95':>7}{'x p50':>7}{'x p95':>7}"
          f"{'queries':>8}")  # fmt: skip
    for m in results:
        s50, s95 = m.ms(m.sentry_seconds, 0.5), m.ms(m.sentry_seconds, 0.95)
        p50, p95 = m.ms(m.posthog_seconds, 0.5), m.ms(m.posthog_seconds, 0.95)
        print(f"{m.scenario.label:<34}{s50:>11.1f}{s95:>7.1f}{p50:>10.1f}{p95:>7.1f}{s50 / p50:>7.2f}"
              f"{s95 / p95:>7.2f}{m.queries:>8}")  # fmt: skip
    print(
        f"  ms over {REPEAT} calls each, page of {PAGE}. browse: the Sentry face; list: the PostHog list of "
        "the same page (it also counts).\n  x: browse / list (the ratio). queries: database queries of one "
        "browse request."
    )


def run(database_url: str, recordings: int) -> None:
    env = production_environment(
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=None,
        CELERY_TASK_ALWAYS_EAGER="1",
        THROTTLE_BURST="1000000/minute",
        THROTTLE_SUSTAINED="100000000/hour",
    )
    django_setup(env)
    from django.test import Client

    from bench._recordings_seed import recordings_seed
    from recordings_api.models import Environment

    tenant = tenant_create(scopes=["session_recording:read"])
    started = time.perf_counter()
    recordings_seed(environment_id=tenant.environment_id, user_id=tenant.user_id, count=recordings)
    print(f"seeded {recordings} recordings in {time.perf_counter() - started:.1f}s", flush=True)
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run", flush=True
    )
    organization = Environment.objects.select_related("project__organization").get(id=tenant.environment_id)
    slug = organization.project.organization.slug
    client = Client()
    report(
        [
            measure(
                scenario,
                client=client,
                organization=slug,
                environment_id=tenant.environment_id,
                key=tenant.api_key,
            )
            for scenario in SCENARIOS
        ]
    )


def main(argv: list[str]) -> int:
    recordings = int(argv[0] if argv else os.environ.get("BENCH_SENTRY_RECORDINGS", "100000"))

    def body() -> None:
        with postgres_database(DB_NAME) as database_url, flushed_redis(REDIS_URL):
            run(database_url, recordings)

    return benchmark_run("Sentry browse", body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

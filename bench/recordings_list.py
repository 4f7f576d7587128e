"""The recordings list API over a large table vs. the equivalent hand-written SQL.

Setup (production shape, in this run): PostgreSQL database ``bench_list`` (created fresh,
dropped at the end), Redis db 8 for the cache and throttles (``BENCH_LIST_REDIS_URL``), DEBUG
off. ``BENCH_LIST_RECORDINGS`` (or the first argument; default 100000; the issue's figure is
1000000) recordings are seeded with PostgreSQL ``COPY`` and realistic distributions
(``bench._recordings_seed``), then ``ANALYZE``.

Measured, in this process through Django's test client with a real personal API key (auth,
throttles, filters, pagination, enrichment, serialization, rendering — everything but the
socket), ``BENCH_LIST_REPEAT`` (default 20) calls per scenario after two warm-ups: the default
order, three other orders, a filter combination, a query-language search, and a deep page.
Baselines, interleaved with the API calls so machine noise hits all alike: (1) the same page
and count as two raw SQL statements on the same connection, written the way one would by hand
from the formulas (no stored column); (2) the bare page read straight off the index: the
stored columns, the scenario's order, ``LIMIT 51`` and no count — the floor a list request
cannot beat. Printed: p50/p95 of each, their ratios, and the database queries one API request
makes; then ``ratio (API / index page): <scenario> p50 xN`` per scenario.

Correctness (fails the run): the API's page (ids, in order) equals the baseline's and the index
page's; its count equals the baseline's whenever the API says it is exact
(``count_is_estimate`` false). Printed too: each scenario's count as the API gave it, exact or
estimated, next to the exact one.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

REPEAT = int(os.environ.get("BENCH_LIST_REPEAT", "20"))
REDIS_URL = os.environ.get("BENCH_LIST_REDIS_URL", "redis://127.0.0.1:6379/8")
DB_NAME = os.environ.get("BENCH_LIST_DB", "bench_list")
PAGE = 50
RETENTION_DAYS = 30

# --- the hand-written SQL -------------------------------------------------------------------------

# Whole seconds between the whole-second timestamps (PostHog's dateDiff('second', start, end)).
DURATION = "(floor(extract(epoch from r.end_time)) - floor(extract(epoch from r.start_time)))"
ACTIVITY = (
    "round(((r.active_milliseconds::float8 / 1000 + r.click_count + r.keypress_count + r.console_error_count)"
    f" * 100.0 / nullif(r.mouse_activity_count + {DURATION} + r.console_error_count + r.console_log_count"
    " + r.console_warn_count, 0))::numeric, 2)"
)
# Visible: not tombstoned, not expired. "expiry day > today" is rewritten as a bound on
# start_time: start_day + retention > today  <=>  start_time >= today 00:00 - (retention - 1) days.
VISIBLE = (
    "r.environment_id = %(env)s"
    " AND NOT EXISTS (SELECT 1 FROM recordings_deletedrecording d"
    "   WHERE d.environment_id = r.environment_id AND d.session_id = r.session_id)"
    " AND (r.persisted OR r.start_time >= %(today)s"
    "   - make_interval(days => coalesce(r.retention_period_days, %(retention)s) - 1))"
)
PERSON_EMAIL_LIKE = (
    "EXISTS (SELECT 1 FROM recordings_persondistinctid pd JOIN recordings_person p ON p.id = pd.person_id"
    " WHERE pd.environment_id = r.environment_id AND pd.distinct_id = r.distinct_id"
    " AND p.properties->>'email' ILIKE %(email)s)"
)
ANY_URL_LIKE = "EXISTS (SELECT 1 FROM jsonb_array_elements_text(r.urls) u(value) WHERE u.value ILIKE %(url)s)"


# The same visibility on the stored column (``recordings.expiry``).
VISIBLE_STORED = (
    "r.environment_id = %(env)s"
    " AND NOT EXISTS (SELECT 1 FROM recordings_deletedrecording d"
    "   WHERE d.environment_id = r.environment_id AND d.session_id = r.session_id)"
    " AND (r.expires_at IS NULL OR r.expires_at > %(today)s)"
)


@dataclass(frozen=True)
class Scenario:
    label: str
    params: dict[str, str]
    where: str = ""  # ANDed with VISIBLE
    order: str = "r.start_time DESC, r.id DESC"
    sql_params: dict[str, Any] = field(default_factory=dict)
    offset: int = 0
    index_order: str = ""  # the order on stored columns, as the index has it (default: ``order``)

    def stored(self, sql: str) -> str:
        """``sql`` with the formulas replaced by the stored columns."""
        return sql.replace(ACTIVITY, "r.activity_score").replace(DURATION, "r.duration")


def _ordered_by(expression: str) -> str:
    return f"{expression} DESC NULLS LAST, r.start_time DESC, r.id DESC"


def scenarios(today: datetime) -> list[Scenario]:
    two_weeks_ago = (today - timedelta(days=14)).date()
    filters = {
        "date_from": two_weeks_ago.isoformat(),
        "having_predicates": '[{"type": "recording", "key": "duration", "value": 60, "operator": "gt"}]',
        "properties": '[{"type": "session", "key": "$browser", "value": "Chrome", "operator": "exact"},'
        ' {"type": "person", "key": "email", "value": "example.com", "operator": "icontains"}]',
        "console_log_filters": '[{"type": "log_entry", "key": "console_log_level", "value": ["error"],'
        ' "operator": "exact"}]',
    }
    filters_where = (
        f"r.start_time >= %(from)s AND {DURATION} > 60 AND r.first_event_properties->>'$browser' = 'Chrome'"
        f" AND {PERSON_EMAIL_LIKE} AND r.console_error_count > 0"
    )
    query_where = (
        f"{DURATION} > 60 AND r.console_error_count > 0 AND {ANY_URL_LIKE}"
        " AND (r.first_event_properties->>'$browser' IS DISTINCT FROM 'Safari')"
    )
    return [
        Scenario("default order (start_time)", {}),
        Scenario(
            "order=duration",
            {"order": "duration"},
            order=_ordered_by(DURATION),
            index_order="r.duration DESC, r.start_time DESC, r.id DESC",
        ),
        Scenario("order=activity_score", {"order": "activity_score"}, order=_ordered_by(ACTIVITY)),
        Scenario(
            "order=console_error_count",
            {"order": "console_error_count"},
            order=_ordered_by("r.console_error_count"),
            index_order="r.console_error_count DESC, r.start_time DESC, r.id DESC",
        ),
        Scenario(
            "filters: date, duration, browser, email, errors",
            filters,
            where=filters_where,
            sql_params={
                "from": datetime.combine(two_weeks_ago, datetime.min.time(), tzinfo=UTC),
                "email": "%example.com%",
            },
        ),
        Scenario(
            "query: duration, errors, url, !browser",
            {"query": "duration:>1m count_errors:>0 url:*checkout* !browser:Safari"},
            where=query_where,
            sql_params={"url": "%checkout%"},
        ),
        Scenario("deep page (offset=5000)", {"offset": "5000"}, offset=5000),
    ]


# --- the two paths ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiPage:
    ids: list[str]
    count: int
    count_is_estimate: bool


def api_call(client: Any, environment_id: int, key: str, scenario: Scenario) -> ApiPage:
    query = urlencode({"limit": str(PAGE), **scenario.params})
    response = client.get(
        f"/api/environments/{environment_id}/session_recordings/?{query}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    if response.status_code != 200:
        raise AssertionError(f"{scenario.label}: HTTP {response.status_code} {response.content[:300]!r}")
    body = response.json()
    return ApiPage([row["id"] for row in body["results"]], body["count"], body["count_is_estimate"])


def index_page_call(environment_id: int, today: datetime, scenario: Scenario) -> list[str]:
    """The bare page off the index: stored columns, the scenario's order, ``PAGE + 1`` rows."""
    from django.db import connection

    where = VISIBLE_STORED + (f" AND {scenario.stored(scenario.where)}" if scenario.where else "")
    order = scenario.index_order or scenario.stored(scenario.order)
    params = {"env": environment_id, "today": today, **scenario.sql_params}
    params |= {"limit": PAGE + 1, "offset": scenario.offset}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.* FROM recordings_sessionrecording r WHERE {where}"
            f" ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
            params,
        )
        column = [description.name for description in cursor.description].index("session_id")
        return [row[column] for row in cursor.fetchall()]


def sql_call(
    environment_id: int, today: datetime, scenario: Scenario, timings: list[float] | None = None
) -> tuple[list[str], int]:
    """The page (every column, as the API reads them) and the count; appends the count's
    seconds to ``timings`` when given."""
    from django.db import connection

    where = VISIBLE + (f" AND {scenario.where}" if scenario.where else "")
    params = {"env": environment_id, "today": today, "retention": RETENTION_DAYS, **scenario.sql_params}
    params |= {"limit": PAGE, "offset": scenario.offset}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.* FROM recordings_sessionrecording r WHERE {where}"
            f" ORDER BY {scenario.order} LIMIT %(limit)s OFFSET %(offset)s",
            params,
        )
        column = [description.name for description in cursor.description].index("session_id")
        ids = [row[column] for row in cursor.fetchall()]
        started = time.perf_counter()
        cursor.execute(f"SELECT count(*) FROM recordings_sessionrecording r WHERE {where}", params)
        count = cursor.fetchone()[0]
        if timings is not None:
            timings.append(time.perf_counter() - started)
        return ids, count


@dataclass
class Measured:
    scenario: Scenario
    api_seconds: list[float]
    sql_seconds: list[float]
    count_seconds: list[float]  # the count statement alone, within sql_seconds
    index_seconds: list[float]  # the bare index page
    queries: int
    count: int  # as the API gave it
    count_is_estimate: bool
    exact_count: int  # the baseline's

    def api_ms(self, fraction: float) -> float:
        return percentile(self.api_seconds, fraction) * 1000

    def sql_ms(self, fraction: float) -> float:
        return percentile(self.sql_seconds, fraction) * 1000

    def index_ms(self, fraction: float) -> float:
        return percentile(self.index_seconds, fraction) * 1000

    def count_share(self) -> float:
        return sum(self.count_seconds) / sum(self.sql_seconds)


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _check(scenario: Scenario, api: ApiPage, sql: tuple[list[str], int], index: list[str]) -> None:
    """The correctness rule of the module docstring (raises AssertionError)."""
    ids, count = sql
    # An estimate (past the exact limit, or over the counting budget) has nothing to equal.
    count_holds = api.count_is_estimate or api.count == count
    if api.ids != ids or index[:PAGE] != ids or not count_holds:
        raise AssertionError(
            f"{scenario.label}: the API and the SQL baseline disagree: count {api.count} "
            f"(estimate: {api.count_is_estimate}) vs {count}, page equal: {api.ids == ids}, "
            f"index page equal: {index[:PAGE] == ids}"
        )


def measure(scenario: Scenario, *, client: Any, environment_id: int, key: str, today: datetime) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def api() -> ApiPage:
        return api_call(client, environment_id, key, scenario)

    count_seconds: list[float] = []

    def sql() -> tuple[list[str], int]:
        return sql_call(environment_id, today, scenario, count_seconds)

    def index() -> list[str]:
        return index_page_call(environment_id, today, scenario)

    api_result = api()  # warm-up, and the correctness check
    sql_result = sql()
    _check(scenario, api_result, sql_result, index())
    api(), sql(), index()
    with CaptureQueriesContext(connection) as captured:
        api()
    queries = len(captured.captured_queries)  # now: the next request clears the query log
    api_seconds, sql_seconds, index_seconds = [], [], []
    count_seconds.clear()
    for _ in range(REPEAT):
        api_seconds.append(_timed(api))
        sql_seconds.append(_timed(sql))
        index_seconds.append(_timed(index))
    return Measured(
        scenario,
        api_seconds,
        sql_seconds,
        count_seconds,
        index_seconds,
        queries,
        api_result.count,
        api_result.count_is_estimate,
        sql_result[1],
    )


COLUMNS = (("scenario", 46), ("rows", 7), ("API p50", 9), ("p95", 7), ("SQL p50", 9), ("p95", 7))
COLUMNS += (("count %", 8), ("x p50", 7), ("x p95", 7), ("queries", 8))


def report(results: list[Measured]) -> None:
    print(
        "".join(
            f"{name:<{width}}" if i == 0 else f"{name:>{width}}" for i, (name, width) in enumerate(COLUMNS)
        )
    )
    for m in results:
        print(
            f"{m.scenario.label:<46}{m.count:>7}{m.api_ms(0.5):>9.1f}{m.api_ms(0.95):>7.1f}"
            f"{m.sql_ms(0.5):>9.1f}{m.sql_ms(0.95):>7.1f}{m.count_share() * 100:>7.0f}%"
            f"{m.api_ms(0.5) / m.sql_ms(0.5):>7.2f}{m.api_ms(0.95) / m.sql_ms(0.95):>7.2f}{m.queries:>8}"
        )
    print(
        f"  ms over {REPEAT} calls each, page of {PAGE}. rows: the count. SQL: the hand-written page + "
        "count, 'count %' of it the count statement.\n  x: API / SQL (the ratio). queries: database "
        "queries of one API request."
    )
    print(f"index page: the bare page off the index (stored columns, LIMIT {PAGE + 1}, no count)")
    for m in results:
        print(f"  {m.scenario.label:<46} p50 {m.index_ms(0.5):>7.2f} ms  p95 {m.index_ms(0.95):>7.2f} ms")
    for m in results:
        print(f"ratio (API / index page): {m.scenario.label} p50 x{m.api_ms(0.5) / m.index_ms(0.5):.1f}")
    print("counts (the API's, then the exact one):")
    for m in results:
        kind = "estimate" if m.count_is_estimate else "exact"
        print(f"  {m.scenario.label:<46} {m.count:>9} ({kind}), exact {m.exact_count}")


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

    tenant = tenant_create(scopes=["session_recording:read"], retention_days=RETENTION_DAYS)
    started = time.perf_counter()
    recordings_seed(environment_id=tenant.environment_id, user_id=tenant.user_id, count=recordings)
    print(f"seeded {recordings} recordings in {time.perf_counter() - started:.1f}s", flush=True)
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run", flush=True
    )
    now = datetime.now(tz=UTC)
    today = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    client = Client()
    results = [
        measure(
            scenario, client=client, environment_id=tenant.environment_id, key=tenant.api_key, today=today
        )
        for scenario in scenarios(today)
    ]
    report(results)


def main(argv: list[str]) -> int:
    recordings = int(argv[0] if argv else os.environ.get("BENCH_LIST_RECORDINGS", "100000"))

    def body() -> None:
        with postgres_database(DB_NAME) as database_url, flushed_redis(REDIS_URL):
            run(database_url, recordings)

    return benchmark_run("recordings list", body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

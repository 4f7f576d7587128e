"""How many recordings a list matches, at a cost that does not grow with the table.

Semantics (the README's "Counts" and the OpenAPI ``count`` text say the same): ``count`` is
exact when at most ``RECORDINGS_COUNT_EXACT_LIMIT`` (setting, 10,000) recordings match and
PostgreSQL counts them within ``RECORDINGS_COUNT_BUDGET_MS`` (setting, 50 ms: the scan stops
one row past the limit, or at the budget); ``count_is_estimate`` is false. Otherwise ``count``
is the planner's estimate of the matching rows — never below the limit + 1 when the limit was
passed, nor below what the page proves (``offset`` + its rows, + 1 when another page follows) —
and ``count_is_estimate`` is true. When the planner expects more than ten times the
limit, its estimate is taken without counting at all (the bounded count would only confirm
it). The planner's estimates are kept per process for ``RECORDINGS_COUNT_ESTIMATE_SECONDS``
(setting, 30 s) per statement (SQL and parameters: the environment and the filters), so a list
paged through or polled plans its count once: an estimate may be that much older than the
page. Exact counts are never kept. SQLite (the embedded mode, small tables) always counts
exactly. A page that ends the list needs no count query: ``offset`` + its rows is exact.
``has_next`` never depends on the count (the page is read with one row more than its limit).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet

# The planner's estimate is taken as it is, without counting, above this many times the limit.
PLANNER_SURE_FACTOR = 10
QUERY_CANCELED = "57014"  # SQLSTATE of a statement stopped by statement_timeout
# The planner's estimates, per statement (bounded, least recently used out; thread-safe).
_ESTIMATES = LocMemCache("recordings-count-estimates", {"OPTIONS": {"MAX_ENTRIES": 1000}})


def count_exact_limit() -> int:
    return int(settings.RECORDINGS_COUNT_EXACT_LIMIT)


@dataclass(frozen=True)
class ListCount:
    value: int
    is_estimate: bool = False


def list_count(queryset: QuerySet[Any]) -> ListCount:
    """The count of ``queryset`` by the module's semantics (its ordering is ignored)."""
    rows = queryset.order_by().values("pk")
    if connection.vendor != "postgresql":
        return ListCount(rows.count())
    limit = count_exact_limit()
    planned = _planner_rows(rows)
    if planned > limit * PLANNER_SURE_FACTOR:  # far past the limit: counting would only confirm it
        return ListCount(planned, is_estimate=True)
    capped = _capped_count(rows, limit)
    if capped is not None and capped <= limit:
        return ListCount(capped)
    floor = limit + 1 if capped is not None else 0
    return ListCount(max(floor, planned), is_estimate=True)


def _capped_count(rows: QuerySet[Any], limit: int) -> int | None:
    """``min(count, limit + 1)``, or None when the database did not finish within the budget.

    The budget is a transaction-local ``statement_timeout`` inside a savepoint that is always
    rolled back (a read-only count loses nothing), which also undoes the setting: an enclosing
    transaction keeps its own, whether the count finished, was cancelled, or the cancellation hit
    one of the block's other statements."""
    budget = f"{int(settings.RECORDINGS_COUNT_BUDGET_MS)}ms"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [budget])
            counted = rows[: limit + 1].count()
            transaction.set_rollback(True)
            return counted
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != QUERY_CANCELED:
            raise
        return None


def _planner_rows(rows: QuerySet[Any]) -> int:
    sql, params = rows.query.sql_with_params()
    key = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    planned: int | None = _ESTIMATES.get(key)
    if planned is None:
        plan = json.loads(rows.explain(format="json"))
        planned = int(plan[0]["Plan"]["Plan Rows"])
        _ESTIMATES.set(key, planned, timeout=settings.RECORDINGS_COUNT_ESTIMATE_SECONDS)
    return planned


def page_count(*, offset: int, page_rows: int, has_next: bool, queryset: QuerySet[Any]) -> ListCount:
    """The count of a list whose page at ``offset`` has ``page_rows`` rows: no query when the page
    ends the list (and is not past its end), else ``list_count``, an estimate raised to what the
    page proves (the planner can guess far fewer rows than a page just read)."""
    if not has_next and (page_rows or offset == 0):
        return ListCount(offset + page_rows)
    counted = list_count(queryset)
    if not counted.is_estimate:
        return counted
    return ListCount(max(counted.value, offset + page_rows + int(has_next)), is_estimate=True)

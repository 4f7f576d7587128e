"""How many recordings a list matches, at a cost that does not grow with the table.

Semantics (the README's "Counts" and the OpenAPI ``count`` text say the same): ``count`` is
exact up to ``RECORDINGS_COUNT_EXACT_LIMIT`` (setting, 10,000) matching recordings — counted
with a scan that stops after one row more — and ``count_is_estimate`` is false. Beyond it,
``count`` is PostgreSQL's planner estimate of the matching rows (never below the limit + 1)
and ``count_is_estimate`` is true; SQLite (the embedded mode, small tables) counts exactly.
A page that ends the list needs no count query at all: ``offset`` + its rows is exact.
``has_next`` never depends on the count (the page is read with one row more than its limit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet


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
    capped = rows[: limit + 1].count()
    if capped <= limit:
        return ListCount(capped)
    return ListCount(max(limit + 1, _planner_rows(rows)), is_estimate=True)


def _planner_rows(rows: QuerySet[Any]) -> int:
    plan = json.loads(rows.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def page_count(*, offset: int, page_rows: int, has_next: bool, queryset: QuerySet[Any]) -> ListCount:
    """The count of a list whose page at ``offset`` has ``page_rows`` rows: no query when the page
    ends the list (and is not past its end), else ``list_count``."""
    if not has_next and (page_rows or offset == 0):
        return ListCount(offset + page_rows)
    return list_count(queryset)

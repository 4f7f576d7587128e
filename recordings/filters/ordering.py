"""``order`` / ``order_direction``: PostHog's 11 sort keys, DESC by default.

Ties (and NULL scores, sorted last) are broken by ``start_time`` then the row id in the same
direction, so offset pagination is stable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import F

from recordings import metrics
from recordings_api.models import Environment

ORDER_DIRECTIONS = ("DESC", "ASC")
DEFAULT_ORDER = "start_time"


def _field(name: str) -> Callable[[Environment], Any]:
    return lambda environment: F(name)


ORDER_EXPRESSIONS: dict[str, Callable[[Environment], Any]] = {
    "start_time": _field("start_time"),
    "duration": lambda environment: metrics.duration_expression(),
    "recording_duration": lambda environment: metrics.duration_expression(),
    "active_seconds": lambda environment: metrics.active_seconds_expression(),
    "inactive_seconds": lambda environment: metrics.inactive_seconds_expression(),
    "console_error_count": _field("console_error_count"),
    "click_count": _field("click_count"),
    "keypress_count": _field("keypress_count"),
    "mouse_activity_count": _field("mouse_activity_count"),
    "activity_score": lambda environment: metrics.activity_score_expression(),
    "recording_ttl": lambda environment: metrics.expiry_day_expression(environment=environment),
}
ORDERS = tuple(ORDER_EXPRESSIONS)


def order_by_clauses(*, environment: Environment, order: str, direction: str) -> list[Any]:
    descending = direction == "DESC"
    clauses = []
    if order != "start_time":
        expression = ORDER_EXPRESSIONS[order](environment)
        clauses.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
    for name in ("start_time", "id"):
        clauses.append(F(name).desc() if descending else F(name).asc())
    return clauses

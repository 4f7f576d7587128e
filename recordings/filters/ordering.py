"""``order`` / ``order_direction``: the PostHog face's order keys of the metric registry, DESC
by default.

Ties (and NULL scores, sorted last) are broken by ``start_time`` then the row id in the same
direction, so offset pagination is stable. Fields that are never NULL sort without ``NULLS
LAST`` (the same rows in the same order), so one plain index per order (``SessionRecording.Meta``)
serves it in both directions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F

from recordings.metrics import Face, FieldContext, order_fields
from recordings_api.models import Environment

ORDER_DIRECTIONS = ("DESC", "ASC")
DEFAULT_ORDER = "start_time"
ORDERS = tuple(order_fields("posthog"))


def order_by_clauses(
    *, environment: Environment, order: str, direction: str, face: Face = "posthog"
) -> list[Any]:
    """``order`` is one of the face's order keys (the Sentry face's browse uses this too)."""
    descending = direction == "DESC"
    clauses = []
    field = order_fields(face)[order]
    if field.name != DEFAULT_ORDER:
        expression = field.sql(FieldContext(environment=environment))
        nulls_last = True if field.nullable else None
        clauses.append(
            expression.desc(nulls_last=nulls_last) if descending else expression.asc(nulls_last=nulls_last)
        )
    for name in ("start_time", "id"):
        clauses.append(F(name).desc() if descending else F(name).asc())
    return clauses

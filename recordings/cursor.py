"""The recordings list's ``after`` cursor: PostHog's keyset pagination (``next_cursor``).

A cursor is opaque to clients: URL-safe base64 of the list's order and direction and the last
row's sort key (the order's value, its ``start_time`` and id, the same tie-breakers the list
orders by). ``after=<cursor>`` returns the rows strictly after that key, so pages never skip or
repeat rows when recordings are added or removed meanwhile, however deep the page, at the cost
of an index range scan rather than an offset. A cursor made for another order, or that does not
decode, is a 400 naming ``after``. NULL order values sort last in both directions, as the list
sorts them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.db.models import F, Q
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan

from recordings.conditions import invalid
from recordings.filters.ordering import DEFAULT_ORDER
from recordings.metrics import FieldContext, order_fields
from recordings_api.models import Environment

CURSOR_VERSION = 1
ORDER_VALUE = "_cursor_order_value"


@dataclass(frozen=True)
class ListCursor:
    order: str
    direction: str
    value: float | int | None  # the order expression's value (unused for start_time)
    start_time: datetime
    row_id: int


def cursor_encode(cursor: ListCursor) -> str:
    payload = [
        CURSOR_VERSION,
        cursor.order,
        cursor.direction,
        cursor.value,
        cursor.start_time.isoformat(),
        cursor.row_id,
    ]
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def cursor_decode(raw: Any, *, order: str, direction: str) -> ListCursor:
    """The cursor ``raw`` names; 400 (``after``) when malformed or made for another order."""
    try:
        text = str(raw)
        payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        version, cursor_order, cursor_direction, value, start_time, row_id = payload
        cursor = ListCursor(
            cursor_order, cursor_direction, value, datetime.fromisoformat(start_time), int(row_id)
        )
        valid = version == CURSOR_VERSION and (value is None or isinstance(value, int | float))
    except (ValueError, TypeError, orjson.JSONDecodeError):
        valid = False
    if not valid:
        raise invalid("after", "Invalid cursor: pass the 'next_cursor' of a previous page as it is.")
    if (cursor.order, cursor.direction) != (order, direction):
        raise invalid("after", "This cursor belongs to another order; start again without 'after'.")
    return cursor


def order_value_expression(*, environment: Environment, order: str) -> Any | None:
    """What the list sorts by first (None for ``start_time``, which the tie-breakers cover)."""
    if order == DEFAULT_ORDER:
        return None
    return order_fields("posthog")[order].sql(FieldContext(environment=environment))


def cursor_condition(cursor: ListCursor, *, environment: Environment) -> Q:
    """Rows strictly after ``cursor`` in its order (NULL values last)."""
    after = LessThan if cursor.direction == "DESC" else GreaterThan
    tail = Q(after(F("start_time"), cursor.start_time)) | (
        Q(start_time=cursor.start_time) & Q(after(F("id"), cursor.row_id))
    )
    expression = order_value_expression(environment=environment, order=cursor.order)
    if expression is None:
        return tail
    if cursor.value is None:
        return Q(IsNull(expression, True)) & tail
    beyond = Q(after(expression, cursor.value)) | Q(IsNull(expression, True))
    return beyond | (Q(Exact(expression, cursor.value)) & tail)


def cursor_after(row: Any, *, order: str, direction: str) -> ListCursor:
    """The cursor just after ``row`` (annotated with ``ORDER_VALUE`` for orders other than start_time)."""
    value = getattr(row, ORDER_VALUE, None)
    return ListCursor(order, direction, value, row.start_time, row.id)

"""Recordings list filters: PostHog's parameters, validated, compiled to a ``Q`` and an order.

``recordings_query_parse(filters)`` validates (400 naming the parameter), then
``recordings_query_condition(...)`` and ``order_by_clauses(...)`` build the query. Submodules:
``params`` (validation), ``dates``, ``properties`` / ``events`` (property and event filters, built
from ``recordings.conditions``), ``ordering`` (the metric registry's order keys) and ``query``
(assembly).
"""

from __future__ import annotations

from recordings.filters.ordering import ORDERS, order_by_clauses
from recordings.filters.params import (
    FILTER_PARAMS,
    IGNORED_PARAMS,
    RecordingsQuery,
    query_params_decode,
    recordings_query_parse,
)
from recordings.filters.query import recordings_query_condition

__all__ = [
    "FILTER_PARAMS",
    "IGNORED_PARAMS",
    "ORDERS",
    "RecordingsQuery",
    "order_by_clauses",
    "query_params_decode",
    "recordings_query_condition",
    "recordings_query_parse",
]

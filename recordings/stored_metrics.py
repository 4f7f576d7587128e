"""The SQL of the metrics stored per recording as generated columns (``duration``, ``activity_score``).

PostgreSQL and SQLite compute these columns themselves on every write (``GENERATED ALWAYS AS …
STORED``), so every writer keeps them current — the aggregator's bulk upserts, the Sentry fold,
bulk and COPY seeding, a queryset ``update()`` — and adding them (migration 0008) filled every
existing row. A generation expression may only use immutable functions and columns of its own
row: ``ImmutableEpochSeconds`` reads a timestamp as an interval since 1970 (PostgreSQL's
``EXTRACT(EPOCH FROM timestamptz)`` is only *stable*).

The formulas are PostHog's (``recordings.metrics.formulas`` documents them and holds their
Python twins); the metric registry reads the stored columns, so ordering, filters and the search
language never recompute them per row. Imports no model (``recordings.models`` imports this).
"""

from __future__ import annotations

from typing import Any

from django.db.models import ExpressionWrapper, F, FloatField, IntegerField, Value
from django.db.models.functions import Cast, Floor, NullIf, Round

from recordings.expressions import ImmutableEpochSeconds

# Timestamps are millisecond-precise; half a millisecond absorbs floating-point error of the
# epoch conversion (SQLite's julianday is ~50 µs precise) without changing any whole-second result.
EPOCH_EPSILON = 0.0005


def _epoch_whole_seconds(field: str) -> Any:
    return Floor(ImmutableEpochSeconds(F(field)) + Value(EPOCH_EPSILON), output_field=FloatField())


def duration_formula() -> Any:
    """Whole seconds between the whole-second boundaries (``dateDiff('second', start, end)``)."""
    return _epoch_whole_seconds("end_time") - _epoch_whole_seconds("start_time")


def duration_column_formula() -> Any:
    return Cast(duration_formula(), IntegerField())


def _float(name: str) -> Any:
    return Cast(F(name), FloatField())


def activity_score_formula() -> Any:
    """round(100 * (active s + clicks + keys + errors) / (mouse + duration + console), 2); NULL on 0."""
    numerator = (
        _float("active_milliseconds") / Value(1000.0)
        + _float("click_count")
        + _float("keypress_count")
        + _float("console_error_count")
    )
    denominator = (
        _float("mouse_activity_count")
        + duration_formula()
        + _float("console_error_count")
        + _float("console_log_count")
        + _float("console_warn_count")
    )
    ratio = ExpressionWrapper(
        numerator * Value(100.0) / NullIf(denominator, Value(0.0)), output_field=FloatField()
    )
    return Cast(Round(ratio, 2, output_field=FloatField()), FloatField())

"""Derived recording metrics, each defined once as SQL and once in Python (they must agree).

PostHog computes these in ClickHouse; each formula below is the one its list query uses.
``duration``, ``activity_score`` and ``expiry_time`` are stored per recording (generated
columns of ``recordings.stored_metrics`` and ``expires_at`` of ``recordings.expiry``): the SQL
here reads those columns, the Python twins recompute them from the row.

* ``duration`` (= ``recording_duration``): ``dateDiff('second', start_time, end_time)``, i.e.
  the whole-second boundaries crossed (``floor(end) - floor(start)`` in epoch seconds), so it
  always equals ``end_time - start_time`` as displayed (``YYYY-MM-DDTHH:MM:SSZ``).
* ``active_seconds``: ``active_milliseconds / 1000`` (fractional in filters, ordering and
  ``activity_score``; truncated to an integer in the response).
* ``inactive_seconds``: ``duration - active_seconds``, clamped at 0 (truncated in the response).
* ``activity_score`` (PostHog's formula): round(100 * (active_seconds + clicks + keypresses +
  console errors) / (mouse activity + duration + console errors + logs + warnings), 2); NULL
  when the denominator is 0.
* ``expiry_time``: midnight UTC of the ``start_time`` day + ``retention_period_days`` (the
  recording's, else the environment's). A persisted (LTS) recording never expires (NULL).
* ``recording_ttl``: ``dateDiff('day', now, expiry_time)``: calendar days (UTC) from today to
  the expiry day, ≥ 0; NULL when persisted. A visible recording always has a TTL ≥ 1: it
  disappears from every read on its expiry day.
* ``ongoing``: data was ingested within the last ``ONGOING_WINDOW``.
* ``sentry_activity`` (Sentry's ``activity``): ``floor(greatest(1, least(10, (count_errors * 25 +
  count_urls * 5) div 10)))``, from the recording's linked errors and visited URLs.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, FloatField, Value
from django.db.models.functions import Cast, Coalesce, Floor, Greatest, Least
from django.utils import timezone

from recordings.expiry import expiry_of, recording_retention_days
from recordings.expressions import EpochSeconds
from recordings.models import SessionRecording
from recordings_api.models import Environment

ONGOING_WINDOW = timedelta(minutes=5)
SECONDS_PER_DAY = 86_400
# Sort key used for "never expires" so persisted recordings sort as the longest TTL.
NEVER_EXPIRES_DAY = 10**7


def duration_expression() -> Any:
    """The stored ``duration`` column (``recordings.stored_metrics`` computes it on write)."""
    return F("duration")


def active_seconds_expression() -> Any:
    return Cast(F("active_milliseconds"), FloatField()) / Value(1000.0)


def inactive_seconds_expression() -> Any:
    return Greatest(
        Cast(duration_expression(), FloatField()) - active_seconds_expression(),
        Value(0.0),
        output_field=FloatField(),
    )


def activity_score_expression() -> Any:
    """The stored ``activity_score`` column (computed on write, like ``duration``)."""
    return F("activity_score")


def expiry_day_expression() -> Any:
    """Days since 1970 of the stored ``expires_at``; ``NEVER_EXPIRES_DAY`` for persisted recordings."""
    day = Floor(EpochSeconds(F("expires_at")) / Value(float(SECONDS_PER_DAY)), output_field=FloatField())
    return Coalesce(day, Value(float(NEVER_EXPIRES_DAY)), output_field=FloatField())


def sentry_activity_expression() -> Any:
    score = (F("error_count") * Value(25) + F("url_count") * Value(5)) / Value(10)  # integer division
    return Greatest(Value(1), Least(Value(10), score))


def today_epoch_day(now: datetime | None = None) -> int:
    moment = now or timezone.now()
    return int(moment.timestamp() // SECONDS_PER_DAY)


# --- Python twins ----------------------------------------------------------------------------


def activity_score(recording: SessionRecording) -> float | None:
    numerator = (
        recording.active_milliseconds / 1000
        + recording.click_count
        + recording.keypress_count
        + recording.console_error_count
    )
    denominator = (
        recording.mouse_activity_count
        + recording.duration_seconds
        + recording.console_error_count
        + recording.console_log_count
        + recording.console_warn_count
    )
    if denominator == 0:
        return None
    score = numerator * 100.0 / denominator
    if not math.isfinite(score):
        return None
    # As the stored column computes it: PostgreSQL turns the float into a numeric of 15
    # significant digits (so 64.73499999999999 is 64.7350000000000), then ROUND takes ties away
    # from zero (Python's round() would give 12.12 for 12.125 where the database gives 12.13).
    return float(Decimal(f"{score:.15g}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def sentry_activity(recording: SessionRecording) -> int:
    return max(1, min(10, (recording.error_count * 25 + recording.url_count * 5) // 10))


def retention_days(recording: SessionRecording, environment: Environment) -> int:
    return recording_retention_days(recording, environment)


def expiry_time(recording: SessionRecording, environment: Environment) -> datetime | None:
    """The rule ``expires_at`` stores (``recordings.expiry``), from the recording's own fields."""
    return expiry_of(
        start_time=recording.start_time,
        retention_days=recording_retention_days(recording, environment),
        persisted=recording.persisted,
    )


def recording_ttl(
    recording: SessionRecording, environment: Environment, now: datetime | None = None
) -> int | None:
    expiry = expiry_time(recording, environment)
    if expiry is None:
        return None
    today = (now or timezone.now()).astimezone(UTC).date()
    return max(0, (expiry.date() - today).days)


def is_ongoing(recording: SessionRecording, now: datetime | None = None) -> bool:
    if recording.last_ingested_at is None:
        return False
    return recording.last_ingested_at >= (now or timezone.now()) - ONGOING_WINDOW


def storage(recording: SessionRecording) -> str:
    return "object_storage_lts" if recording.persisted else "object_storage"

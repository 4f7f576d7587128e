"""``date_from`` / ``date_to``: PostHog's relative and absolute dates.

Relative: ``-<n><unit>`` counted back from now, units ``s`` seconds, ``M`` minutes, ``h`` hours,
``d`` days, ``w`` weeks, ``m`` months, ``q`` quarters, ``y`` years (``-3d``, ``-24h``, ``-30M``);
``dStart``/``mStart``/``yStart`` are the start (UTC) of today, this month, this year; ``all``
means no bound. Absolute: an ISO-8601 date or date-time (naive ones are UTC). A plain date as
``date_to`` means the end of that day (inclusive), as in PostHog.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from recordings.conditions import invalid

_RELATIVE = re.compile(r"^-?(?P<number>\d{1,6})(?P<unit>[sMhdwmqy])$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# What ``date_parse`` accepts, as the document's ``pattern`` (surrounding whitespace is trimmed):
# a relative date (``_UNIT_MAX_DIGITS``), a start keyword, ``all``, or a calendar-valid ISO date
# or date-time (years 0001-9999, leap days only in leap years, optional ``:ss[.ffffff]`` and UTC
# offset).
_MONTH_DAY = (
    "(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
)
_YEAR = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_LEAP_DAY = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29"
_TIME = (
    "[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?"
)
DATE_PATTERN = (
    "^\\s*(?:-?(?:[0-9]{1,6}[sMhmqy]|[0-9]{1,5}d|[0-9]{1,4}w)|dStart|mStart|yStart|all|"
    f"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_DAY})(?:{_TIME})?)\\s*$"
)
_UNIT_SECONDS = {"s": 1, "M": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
# Days and weeks take fewer digits (99999 days, 9999 weeks: under 300 years), so that every
# relative date the pattern admits has an instant (more would reach before year 1: a 400).
_UNIT_MAX_DIGITS = {"d": 5, "w": 4}
_UNIT_MONTHS = {"m": 1, "q": 3, "y": 12}


def date_parse(
    raw: Any, *, param: str, end_of_day: bool = False, now: datetime | None = None
) -> datetime | None:
    """The instant ``raw`` names, or None for no bound; 400 naming ``param`` when unparseable."""
    if raw is None or raw == "":
        return None
    text = str(raw).strip()  # surrounding whitespace is trimmed, as ``DATE_PATTERN`` admits
    if text == "all":
        return None
    now = now or timezone.now()
    relative = _RELATIVE.match(text)
    if relative:
        if len(relative["number"]) > _UNIT_MAX_DIGITS.get(relative["unit"], 6):
            raise invalid(param, f"'{param}' reaches before year 1: {text!r}.")
        try:
            return _relative(now, int(relative["number"]), relative["unit"])
        except (OverflowError, ValueError):
            raise invalid(param, f"'{param}' reaches before year 1: {text!r}.") from None
    if text in ("dStart", "mStart", "yStart"):
        today = now.astimezone(UTC).date()
        start = {"dStart": today, "mStart": today.replace(day=1), "yStart": today.replace(month=1, day=1)}[
            text
        ]
        return datetime.combine(start, time.min, tzinfo=UTC)
    return _absolute(text, param=param, end_of_day=end_of_day)


def _relative(now: datetime, number: int, unit: str) -> datetime:
    if unit in _UNIT_SECONDS:
        return now - timedelta(seconds=number * _UNIT_SECONDS[unit])
    return _months_back(now, number * _UNIT_MONTHS[unit])


def _months_back(now: datetime, months: int) -> datetime:
    month_index = now.year * 12 + (now.month - 1) - months
    year, month = divmod(month_index, 12)
    year = max(year, 1)
    day = min(now.day, _days_in_month(year, month + 1))
    return now.replace(year=year, month=month + 1, day=day)


def _days_in_month(year: int, month: int) -> int:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return (first_next - timedelta(days=1)).day


def _absolute(text: str, *, param: str, end_of_day: bool) -> datetime:
    moment: datetime | None = None
    day: date | None = None
    try:
        if _DATE_ONLY.match(text):
            day = parse_date(text)
        else:
            moment = parse_datetime(text.replace(" ", "T", 1) if "T" not in text and " " in text else text)
    except ValueError:
        moment, day = None, None
    if moment is not None:
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
    if day is not None:
        return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    raise invalid(
        param,
        f"'{param}' must be a relative date like -3d / -24h or an ISO-8601 date or date-time, got {text!r}.",
    )

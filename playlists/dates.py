"""PostHog-style date parameters for the playlist list (``date_from`` / ``date_to``).

Accepted: relative offsets ``-{n}{unit}`` with units ``M`` (minutes), ``h``, ``d``, ``w``,
``m`` (months), ``q`` (quarters), ``y``, optionally followed by ``Start``/``End`` to snap to the
start or end of that day (``-7dStart``); ``dStart``/``mStart``/``yStart`` for the start of the
current day/month/year; or an absolute ISO 8601 date or datetime (naive values are UTC, the
environments here carry no timezone). Anything else is ``None``, which callers turn into a 400.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

_RELATIVE = re.compile(r"^-?(?P<number>\d{1,6})?(?P<unit>[MhdwmqyH])(?P<snap>Start|End)?$")


def _months_back(moment: datetime, months: int) -> datetime:
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    # Clamp the day: one month before 31 March is the last day of February.
    days_in_month = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


def _shift(moment: datetime, number: int, unit: str) -> datetime:
    if unit == "M":
        return moment - timedelta(minutes=number)
    if unit in ("h", "H"):
        return moment - timedelta(hours=number)
    if unit == "d":
        return moment - timedelta(days=number)
    if unit == "w":
        return moment - timedelta(weeks=number)
    months = {"m": 1, "q": 3, "y": 12}[unit]
    return _months_back(moment, number * months)


def _snap(moment: datetime, unit: str, snap: str) -> datetime:
    if unit == "m":
        moment = moment.replace(day=1)
    elif unit == "y":
        moment = moment.replace(month=1, day=1)
    start = datetime.combine(moment.date(), time.min, tzinfo=UTC)
    return start if snap == "Start" else start + timedelta(days=1) - timedelta(microseconds=1)


def parse_relative_or_absolute_date(raw: str, *, now: datetime | None = None) -> datetime | None:
    """The aware UTC datetime ``raw`` names, or ``None`` when it is not a date we understand."""
    value = raw.strip()
    moment = (now or timezone.now()).astimezone(UTC)
    match = _RELATIVE.match(value)
    if match:
        number = int(match["number"] or 0)
        shifted = _shift(moment, number, match["unit"])
        return _snap(shifted, match["unit"], match["snap"]) if match["snap"] else shifted
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime.combine(day, time.min) if day else None
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if timezone.is_naive(parsed) else parsed.astimezone(UTC)

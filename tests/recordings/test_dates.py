"""``date_from`` / ``date_to`` parsing (pure function, fixed clock)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from rest_framework.exceptions import ValidationError

from recordings.filters.dates import DATE_PATTERN, date_parse

NOW = datetime(2024, 3, 31, 15, 30, 45, tzinfo=UTC)

CASES = [
    (None, False, None),
    ("", False, None),
    ("all", False, None),
    ("-30s", False, datetime(2024, 3, 31, 15, 30, 15, tzinfo=UTC)),
    ("-30M", False, datetime(2024, 3, 31, 15, 0, 45, tzinfo=UTC)),
    ("-24h", False, datetime(2024, 3, 30, 15, 30, 45, tzinfo=UTC)),
    ("-3d", False, datetime(2024, 3, 28, 15, 30, 45, tzinfo=UTC)),
    ("3d", False, datetime(2024, 3, 28, 15, 30, 45, tzinfo=UTC)),
    ("-2w", False, datetime(2024, 3, 17, 15, 30, 45, tzinfo=UTC)),
    ("-1m", False, datetime(2024, 2, 29, 15, 30, 45, tzinfo=UTC)),  # clamped to the month's last day
    ("-1q", False, datetime(2023, 12, 31, 15, 30, 45, tzinfo=UTC)),
    ("-1y", False, datetime(2023, 3, 31, 15, 30, 45, tzinfo=UTC)),
    ("dStart", False, datetime(2024, 3, 31, tzinfo=UTC)),
    ("mStart", False, datetime(2024, 3, 1, tzinfo=UTC)),
    ("yStart", False, datetime(2024, 1, 1, tzinfo=UTC)),
    ("2024-01-02", False, datetime(2024, 1, 2, tzinfo=UTC)),
    ("2024-01-02", True, datetime(2024, 1, 2, 23, 59, 59, 999999, tzinfo=UTC)),
    ("2024-01-02T03:04:05Z", False, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2024-01-02 03:04:05", False, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2024-01-02T03:04:05+02:00", True, datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
]


@pytest.mark.parametrize(("raw", "end_of_day", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_date_parse(raw: str, end_of_day: bool, expected: datetime) -> None:
    assert date_parse(raw, param="date_from", end_of_day=end_of_day, now=NOW) == expected


@pytest.mark.parametrize("raw", ["yesterday", "-3x", "-", "2024-13-01", "2024-02-30", "-9999999d", "12:00"])
def test_date_parse_invalid(raw: str) -> None:
    with pytest.raises(ValidationError) as raised:
        date_parse(raw, param="date_to", now=NOW)

    assert "date_to" in raised.value.detail


def test_date_parse_far_past_is_400() -> None:
    with pytest.raises(ValidationError):
        date_parse("-999999d", param="date_from", now=NOW)


def test_date_parse_far_past_in_days_or_weeks_is_400_whatever_the_clock() -> None:
    with pytest.raises(ValidationError):
        date_parse("-100000d", param="date_from", now=NOW)
    with pytest.raises(ValidationError):
        date_parse("-10000w", param="date_from", now=NOW)
    assert date_parse("-99999d", param="date_from", now=NOW) == datetime(1750, 6, 17, 15, 30, 45, tzinfo=UTC)


PATTERN_SAMPLES = [
    *(raw for raw, _, _ in CASES if raw),
    *("-3x", "yesterday", "2024-13-01", "2024-02-30", "2023-02-29", "1900-02-29", "0000-01-01", "0"),
    *("2000-02-29", "0004-02-29", "2024-04-31", "2024-01-31T10:00", "2024-01-31 10:00:59.5-05:30"),
    *("-99999d", "-100000d", "-9999w", "-10000w", "-999999y", " -3d ", "12:00", "2024-01-02T24:00"),
]


@pytest.mark.parametrize("raw", PATTERN_SAMPLES)
def test_date_pattern_admits_exactly_what_date_parse_accepts(raw: str) -> None:
    """The document's pattern for the parameter (``DATE_PATTERN``) is the parser's grammar."""
    try:
        date_parse(raw.strip(), param="date_from", now=NOW)
        accepted = True
    except ValidationError:
        accepted = False

    assert bool(re.search(DATE_PATTERN, raw)) is accepted

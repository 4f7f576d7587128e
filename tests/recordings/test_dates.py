"""``date_from`` / ``date_to`` parsing (pure function, fixed clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.exceptions import ValidationError

from recordings.filters.dates import date_parse

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

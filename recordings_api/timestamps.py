"""Millisecond epoch timestamps (rrweb's and blob keys') ⇄ aware UTC datetimes, exactly.

``datetime.fromtimestamp(ms / 1000)`` goes through a float and can land a microsecond off;
adding a ``timedelta`` of whole milliseconds to the epoch cannot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms_to_datetime(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def datetime_to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)

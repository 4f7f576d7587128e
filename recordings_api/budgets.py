"""Atomic rate budgets: at most ``limit`` hits per ``period`` for a key, under any concurrency.

A budget is a fixed window that opens at the key's first hit. Counting is one atomic operation,
so N concurrent callers of a budget of B let exactly min(N, B) through (DRF's
``SimpleRateThrottle`` reads a list, appends and writes it back: parallel callers all read the
same list, and 16 of them got twice the budget through):

- with a Redis cache (production): one Lua script, ``INCR`` then ``PEXPIRE`` on the first hit,
  returning the count and the time left, keyed under the cache's own prefix; the budgets a
  request spends together (a key's burst and sustained windows) go in one call, one round trip;
- otherwise (embedded mode): one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on
  ``RateBudgetWindow`` (PostgreSQL and SQLite), which resets the window once it is over.

``budgets_consume`` counts a hit on each of several budgets and tells whether it fits all of them
(``budget_consume`` for one); ``budget_exhausted`` only looks (and can read a shared marker in the
same round trip: ``recordings_api.access_cache``'s generation).
Both raise the backend's own errors (``RedisError``, ``OperationalError``) when it is down,
which the API answers as 503: a budget never fails open silently.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from recordings_api.models import RateBudgetWindow

_CONSUME_SCRIPT = """
local result = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[i])
    ttl = tonumber(ARGV[i])
  end
  result[2 * i - 1] = count
  result[2 * i] = ttl
end
return result
"""
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_CLEANUP_PROBABILITY = 0.01


@dataclass(frozen=True)
class Rate:
    limit: int
    period_seconds: int


def rate_parse(rate: str) -> Rate:
    """``"480/minute"`` → 480 per 60 s (DRF's notation: second, minute, hour, day)."""
    count, _, period = rate.partition("/")
    return Rate(limit=int(count), period_seconds=_PERIODS[period.strip()[:1]])


@dataclass(frozen=True)
class BudgetState:
    count: int
    seconds_left: float


def _redis_consume(cache: RedisCache, keys: Sequence[str], periods_ms: Sequence[int]) -> list[BudgetState]:
    # One client for all: the cache is a single Redis (or one primary), not a cluster.
    client = cache._cache.get_client(keys[0], write=True)
    values = client.eval(_CONSUME_SCRIPT, len(keys), *(cache.make_key(key) for key in keys), *periods_ms)
    return [
        BudgetState(count=int(count), seconds_left=max(int(ttl_ms), 0) / 1000)
        for count, ttl_ms in zip(values[::2], values[1::2], strict=True)
    ]


def _redis_peek(cache: RedisCache, key: str, marker: Marker | None = None) -> tuple[BudgetState, str | None]:
    client = cache._cache.get_client(key, write=marker is not None)
    full_key = cache.make_key(key)
    with client.pipeline(transaction=False) as pipe:
        pipe.get(full_key).pttl(full_key)
        if marker is not None:
            marker_key = cache.make_key(marker.key)
            pipe.set(marker_key, marker.initial(), nx=True).get(marker_key)
        count, ttl_ms, *marked = pipe.execute()
    state = BudgetState(count=int(count or 0), seconds_left=max(int(ttl_ms), 0) / 1000)
    value = marked[-1] if marked else None
    return state, value.decode() if isinstance(value, bytes) else value


_UPSERT = """
INSERT INTO {table} (key, count, window_ends_ms) VALUES (%s, 1, %s)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN {table}.window_ends_ms <= %s THEN 1 ELSE {table}.count + 1 END,
  window_ends_ms = CASE WHEN {table}.window_ends_ms <= %s THEN %s ELSE {table}.window_ends_ms END
RETURNING count, window_ends_ms
"""


def _database_consume(key: str, period_ms: int) -> BudgetState:
    now_ms = int(time.time() * 1000)
    table = connection.ops.quote_name(RateBudgetWindow._meta.db_table)
    ends = now_ms + period_ms
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [key, ends, now_ms, now_ms, ends])
        count, window_ends_ms = cursor.fetchone()
    if random.random() < _CLEANUP_PROBABILITY:
        RateBudgetWindow.objects.filter(window_ends_ms__lt=now_ms).delete()
    return BudgetState(count=int(count), seconds_left=max(window_ends_ms - now_ms, 0) / 1000)


def _database_peek(key: str) -> BudgetState:
    now_ms = int(time.time() * 1000)
    row = RateBudgetWindow.objects.filter(key=key, window_ends_ms__gt=now_ms).first()
    if row is None:
        return BudgetState(count=0, seconds_left=0)
    return BudgetState(count=row.count, seconds_left=(row.window_ends_ms - now_ms) / 1000)


def budgets_consume(budgets: Sequence[tuple[str, Rate]]) -> float | None:
    """Count one hit on each ``(key, rate)``; None when it fits every budget, else the seconds
    until the longest-waiting exceeded one refills. Every budget is counted either way."""
    if not budgets:
        return None
    periods_ms = [rate.period_seconds * 1000 for _, rate in budgets]
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        states = _redis_consume(cache, [key for key, _ in budgets], periods_ms)
    else:
        pairs = zip(budgets, periods_ms, strict=True)
        states = [_database_consume(key, period) for (key, _), period in pairs]
    waits = [
        max(state.seconds_left, 0.001)
        for state, (_, rate) in zip(states, budgets, strict=True)
        if state.count > rate.limit
    ]
    return max(waits) if waits else None


def budget_consume(*, key: str, rate: Rate) -> float | None:
    """Count one hit on ``key``; None when it fits the budget, else the seconds until it refills."""
    return budgets_consume([(key, rate)])


@dataclass(frozen=True)
class Marker:
    """A shared value read along with a budget (in the same round trip): ``key`` in the cache,
    set to ``initial()`` first when absent."""

    key: str
    initial: Callable[[], str]


def budget_exhausted(
    *, key: str, rate: Rate, marker: Marker | None = None
) -> tuple[float | None, str | None]:
    """Without counting: None while ``key`` has room left, else the seconds until it refills;
    and the value of ``marker`` read in the same Redis round trip (None without a Redis cache
    or a marker)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        state, value = _redis_peek(cache, key, marker)
    else:
        state, value = _database_peek(key), None
    return (None if state.count < rate.limit else max(state.seconds_left, 0.001)), value


def marker_read(marker: Marker) -> str | None:
    """The value of ``marker`` alone (set first when absent); None without a Redis cache."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    client = cache._cache.get_client(marker.key, write=True)
    marker_key = cache.make_key(marker.key)
    with client.pipeline(transaction=False) as pipe:
        _, value = pipe.set(marker_key, marker.initial(), nx=True).get(marker_key).execute()
    return value.decode() if isinstance(value, bytes) else value

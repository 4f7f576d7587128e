"""Atomic rate budgets: at most ``limit`` hits per ``period`` for a key, under any concurrency.

A budget is a fixed window that opens at the key's first hit. Counting is one atomic operation,
so N concurrent callers of a budget of B let exactly min(N, B) through (DRF's
``SimpleRateThrottle`` reads a list, appends and writes it back: parallel callers all read the
same list, and 16 of them got twice the budget through):

- with a Redis cache (production): one Lua script, ``INCR`` then ``PEXPIRE`` on the first hit,
  returning the count and the time left, keyed under the cache's own prefix;
- otherwise (embedded mode): one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on
  ``RateBudgetWindow`` (PostgreSQL and SQLite), which resets the window once it is over.

``budget_consume`` counts a hit and tells whether it fits; ``budget_exhausted`` only looks.
Both raise the backend's own errors (``RedisError``, ``OperationalError``) when it is down,
which the API answers as 503: a budget never fails open silently.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from recordings_api.models import RateBudgetWindow

_CONSUME_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
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


def _redis_consume(cache: RedisCache, key: str, period_ms: int) -> BudgetState:
    client = cache._cache.get_client(key, write=True)
    count, ttl_ms = client.eval(_CONSUME_SCRIPT, 1, cache.make_key(key), period_ms)
    return BudgetState(count=int(count), seconds_left=max(int(ttl_ms), 0) / 1000)


def _redis_peek(cache: RedisCache, key: str) -> BudgetState:
    client = cache._cache.get_client(key)
    full_key = cache.make_key(key)
    with client.pipeline(transaction=False) as pipe:
        count, ttl_ms = pipe.get(full_key).pttl(full_key).execute()
    return BudgetState(count=int(count or 0), seconds_left=max(int(ttl_ms), 0) / 1000)


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


def budget_consume(*, key: str, rate: Rate) -> float | None:
    """Count one hit on ``key``; None when it fits the budget, else the seconds until it refills."""
    period_ms = rate.period_seconds * 1000
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        state = _redis_consume(cache, key, period_ms)
    else:
        state = _database_consume(key, period_ms)
    return None if state.count <= rate.limit else max(state.seconds_left, 0.001)


def budget_exhausted(*, key: str, rate: Rate) -> float | None:
    """Without counting: None while ``key`` has room left, else the seconds until it refills."""
    cache = caches["default"]
    state = _redis_peek(cache, key) if isinstance(cache, RedisCache) else _database_peek(key)
    return None if state.count < rate.limit else max(state.seconds_left, 0.001)

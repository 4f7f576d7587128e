"""Redis live buffer: PostHog's sorted set per session, plus bookkeeping for the flusher.

Keys (per session):
- ``@posthog/replay/snapshots/team-{env}/{session}``: sorted set, member = JSONL line,
  score = message timestamp (ms). The realtime reader of PostHog reads exactly this.
- ``@posthog/replay/snapshots-meta/team-{env}/{session}``: hash ``first_ms``/``last_ms`` (server
  clock of the first/latest append) and ``bytes`` (sum of buffered member lengths).
- ``@posthog/replay/snapshots-active``: sorted set of ``{env}/{session}`` scored by last append,
  the index ``sessions()`` reads instead of scanning the keyspace.

Append and remove run as Lua scripts so the byte count and the index stay consistent with the
set under concurrent ingestion and flushing. Both keys of a session expire together after
``LIVE_BUFFER_TTL_SECONDS`` without appends. Any Redis error or timeout (bounded by
``REDIS_SOCKET_TIMEOUT_SECONDS``) raises ``LiveBufferUnavailable``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import redis

from snapshots.live_buffer.base import (
    EMPTY_STATS,
    BufferedLine,
    BufferStats,
    LiveBufferUnavailable,
    SessionRef,
    live_buffer_key,
)

ACTIVE_SESSIONS_KEY = "@posthog/replay/snapshots-active"

_APPEND = """
local added = 0
for i = 4, #ARGV, 2 do
  if redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    added = added + string.len(ARGV[i + 1])
  end
end
redis.call('HSETNX', KEYS[2], 'first_ms', ARGV[1])
redis.call('HSET', KEYS[2], 'last_ms', ARGV[1])
redis.call('HINCRBY', KEYS[2], 'bytes', added)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[3])
return added
"""

_REMOVE = """
local removed = 0
for i = 3, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    removed = removed + string.len(ARGV[i])
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('ZREM', KEYS[3], ARGV[2])
elseif removed > 0 then
  -- only when something went: Lua writes -0 as "-0", which HINCRBY refuses
  redis.call('HINCRBY', KEYS[2], 'bytes', -removed)
  redis.call('HSET', KEYS[2], 'first_ms', ARGV[1])
end
return removed
"""


def meta_key(*, environment_id: int, session_id: str) -> str:
    return f"@posthog/replay/snapshots-meta/team-{environment_id}/{session_id}"


def _index_member(environment_id: int, session_id: str) -> str:
    return f"{environment_id}/{session_id}"


def _now_ms() -> int:
    return int(time.time() * 1000)


@contextmanager
def _translated_errors(operation: str) -> Iterator[None]:
    try:
        yield
    except redis.RedisError as error:
        raise LiveBufferUnavailable(f"Redis live buffer {operation} failed: {error}") from error


class RedisLiveBuffer:
    def __init__(self, client: redis.Redis, *, ttl_seconds: int) -> None:
        self._client = client
        self._ttl_seconds = ttl_seconds
        self._append: Callable[..., Any] = client.register_script(_APPEND)
        self._remove: Callable[..., Any] = client.register_script(_REMOVE)

    def _keys(self, environment_id: int, session_id: str) -> list[str]:
        return [
            live_buffer_key(environment_id=environment_id, session_id=session_id),
            meta_key(environment_id=environment_id, session_id=session_id),
            ACTIVE_SESSIONS_KEY,
        ]

    def append(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        if not lines:
            return
        args: list[Any] = [_now_ms(), self._ttl_seconds, _index_member(environment_id, session_id)]
        for item in lines:
            args.extend((item.score, item.line))
        with _translated_errors("append"):
            self._append(keys=self._keys(environment_id, session_id), args=args)

    def read(self, *, environment_id: int, session_id: str) -> list[BufferedLine]:
        key = live_buffer_key(environment_id=environment_id, session_id=session_id)
        with _translated_errors("read"):
            members = self._client.zrange(key, 0, -1, withscores=True)
        return [BufferedLine(score=int(score), line=_text(member)) for member, score in members]

    def remove(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        if not lines:
            return
        args: list[Any] = [_now_ms(), _index_member(environment_id, session_id)]
        args.extend(item.line for item in lines)
        with _translated_errors("remove"):
            self._remove(keys=self._keys(environment_id, session_id), args=args)

    def has_lines(self, *, environment_id: int, session_id: str) -> bool:
        key = live_buffer_key(environment_id=environment_id, session_id=session_id)
        with _translated_errors("has_lines"):
            return bool(self._client.exists(key))

    def _queue_stats(self, pipe: Any, environment_id: int, session_id: str) -> None:
        key = live_buffer_key(environment_id=environment_id, session_id=session_id)
        pipe.zcard(key)
        meta = meta_key(environment_id=environment_id, session_id=session_id)
        pipe.hmget(meta, "bytes", "first_ms", "last_ms")
        pipe.zrange(key, 0, 0, withscores=True)
        pipe.zrange(key, -1, -1, withscores=True)

    def stats(self, *, environment_id: int, session_id: str) -> BufferStats:
        with _translated_errors("stats"):
            pipe = self._client.pipeline(transaction=True)
            self._queue_stats(pipe, environment_id, session_id)
            return _stats_from(pipe.execute())

    def sessions(self) -> list[SessionRef]:
        with _translated_errors("sessions"):
            members = self._client.zrange(ACTIVE_SESSIONS_KEY, 0, -1)
        refs = []
        for member in members:
            environment_id, _, session_id = _text(member).partition("/")
            refs.append(SessionRef(environment_id=int(environment_id), session_id=session_id))
        return refs

    def sessions_stats(self) -> dict[SessionRef, BufferStats]:
        refs = self.sessions()
        if not refs:
            return {}
        with _translated_errors("sessions_stats"):
            pipe = self._client.pipeline(transaction=False)
            for ref in refs:
                self._queue_stats(pipe, ref.environment_id, ref.session_id)
            results = pipe.execute()
        return {ref: _stats_from(results[index * 4 : index * 4 + 4]) for index, ref in enumerate(refs)}

    def delete_session(self, *, environment_id: int, session_id: str) -> None:
        keys = self._keys(environment_id, session_id)
        with _translated_errors("delete_session"):
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(keys[0], keys[1])
            pipe.zrem(ACTIVE_SESSIONS_KEY, _index_member(environment_id, session_id))
            pipe.execute()

    def ping(self) -> None:
        with _translated_errors("ping"):
            self._client.ping()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _int_or_none(value: bytes | str | None) -> int | None:
    return None if value is None else int(value)


def _stats_from(results: Sequence[Any]) -> BufferStats:
    line_count, (size, first_ms, last_ms), first, last = results
    if not line_count:
        return EMPTY_STATS
    return BufferStats(
        line_count=int(line_count),
        size_bytes=max(0, _int_or_none(size) or 0),
        first_appended_ms=_int_or_none(first_ms),
        last_appended_ms=_int_or_none(last_ms),
        first_score_ms=int(first[0][1]) if first else None,
        last_score_ms=int(last[0][1]) if last else None,
    )

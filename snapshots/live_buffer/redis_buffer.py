"""Redis live buffer and ingest log: PostHog's sorted set per session, partitioned for Cluster.

Keys of partition ``p`` (all carrying the hash tag ``{ingest-p}``, so they live in one slot):
- ``@posthog/replay/snapshots/{ingest-p}/team-{env}/{session}``: sorted set, member = JSONL
  line, score = message timestamp (ms);
- ``@posthog/replay/snapshots-meta/{ingest-p}/team-{env}/{session}``: hash ``first_ms`` /
  ``last_ms`` (server clock of the first/latest append) and ``bytes`` (buffered member bytes);
- ``@posthog/replay/snapshots-active/{ingest-p}``: sorted set of ``{env}/{session}`` scored by
  last append, the index the flusher reads instead of scanning the keyspace;
- ``@posthog/replay/ingest-log/{ingest-p}``: the partition's ingest log, a stream read by the
  consumer group ``aggregators`` (``redis_log``).

One Lua script per partition appends a request's lines, updates the byte count and the index
and adds the accounting record to the log, atomically; the partitions of one request go in one
pipeline, so capture costs one round trip (per node, in parallel, on a cluster). Removing lines
is a script too, so the byte count and the index stay consistent under concurrent ingestion
and flushing. A session's keys expire together after ``LIVE_BUFFER_TTL_SECONDS`` without
appends. Any Redis error or timeout raises ``LiveBufferUnavailable``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import redis

from snapshots.live_buffer.base import (
    EMPTY_STATS,
    BufferedLine,
    BufferStats,
    BufferWrite,
    LiveBufferUnavailable,
    SessionLines,
    SessionRef,
    live_buffer_key,
    partition_of,
    partition_tag,
)
from snapshots.live_buffer.redis_log import RedisIngestLog, log_key

_INGEST = """
local now, ttl = ARGV[1], ARGV[2]
local argi, total = 4, 0
for k = 3, #KEYS, 2 do
  local member, count = ARGV[argi], tonumber(ARGV[argi + 1])
  argi = argi + 2
  local added = 0
  for _ = 1, count do
    if redis.call('ZADD', KEYS[k], ARGV[argi], ARGV[argi + 1]) == 1 then
      added = added + string.len(ARGV[argi + 1])
    end
    argi = argi + 2
  end
  redis.call('HSETNX', KEYS[k + 1], 'first_ms', now)
  redis.call('HSET', KEYS[k + 1], 'last_ms', now)
  if added > 0 then redis.call('HINCRBY', KEYS[k + 1], 'bytes', added) end
  redis.call('EXPIRE', KEYS[k], ttl)
  redis.call('EXPIRE', KEYS[k + 1], ttl)
  redis.call('ZADD', KEYS[1], now, member)
  total = total + added
end
if ARGV[3] ~= '' then redis.call('XADD', KEYS[2], '*', 'r', ARGV[3]) end
return total
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


def active_key(partition: int) -> str:
    return f"@posthog/replay/snapshots-active/{partition_tag(partition)}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _index_member(environment_id: int, session_id: str) -> str:
    return f"{environment_id}/{session_id}"


@contextmanager
def translated_errors(operation: str) -> Iterator[None]:
    try:
        yield
    except redis.RedisError as error:
        raise LiveBufferUnavailable(f"Redis live buffer {operation} failed: {error}") from error


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class RedisLiveBuffer(RedisIngestLog):
    def __init__(self, client: Any, *, ttl_seconds: int, partitions: int) -> None:
        super().__init__(client, partitions=partitions)
        self._ttl_seconds = ttl_seconds
        self._ingest_sha = self._script_sha(_INGEST)
        self._remove = client.register_script(_REMOVE)

    # --- keys --------------------------------------------------------------------------------
    def _partition(self, environment_id: int, session_id: str) -> int:
        return partition_of(environment_id=environment_id, key=session_id, partitions=self.partitions)

    def _lines_key(self, environment_id: int, session_id: str) -> str:
        return live_buffer_key(
            environment_id=environment_id, session_id=session_id, partitions=self.partitions
        )

    def _meta_key(self, environment_id: int, session_id: str) -> str:
        tag = partition_tag(self._partition(environment_id, session_id))
        return f"@posthog/replay/snapshots-meta/{tag}/team-{environment_id}/{session_id}"

    def _session_keys(self, environment_id: int, session_id: str) -> list[str]:
        return [
            self._lines_key(environment_id, session_id),
            self._meta_key(environment_id, session_id),
            active_key(self._partition(environment_id, session_id)),
        ]

    # --- writes ------------------------------------------------------------------------------
    def _ingest_call(self, write: BufferWrite, now_ms: int) -> tuple[list[str], list[Any]]:
        keys = [active_key(write.partition), log_key(write.partition)]
        args: list[Any] = [now_ms, self._ttl_seconds, write.record or b""]
        for session in write.sessions:
            assert self._partition(session.environment_id, session.session_id) == write.partition
            keys += [
                self._lines_key(session.environment_id, session.session_id),
                self._meta_key(session.environment_id, session.session_id),
            ]
            args += [_index_member(session.environment_id, session.session_id), len(session.lines)]
            for item in session.lines:
                args += [item.score, item.line]
        return keys, args

    def ingest(self, *, writes: Sequence[BufferWrite]) -> None:
        now_ms = _now_ms()
        calls = [self._ingest_call(write, now_ms) for write in writes if write.sessions or write.record]
        with translated_errors("ingest"):
            self._evalsha_all(self._ingest_sha, _INGEST, calls)

    def append(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        if not lines:
            return
        session = SessionLines(environment_id=environment_id, session_id=session_id, lines=lines)
        partition = self._partition(environment_id, session_id)
        self.ingest(writes=[BufferWrite(partition=partition, sessions=[session], record=None)])

    def remove(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        if not lines:
            return
        args: list[Any] = [_now_ms(), _index_member(environment_id, session_id)]
        args.extend(item.line for item in lines)
        with translated_errors("remove"):
            self._remove(keys=self._session_keys(environment_id, session_id), args=args)

    def delete_session(self, *, environment_id: int, session_id: str) -> None:
        lines, meta, active = self._session_keys(environment_id, session_id)
        with translated_errors("delete_session"):
            pipe = self._client.pipeline(transaction=False)
            pipe.delete(lines)
            pipe.delete(meta)
            pipe.zrem(active, _index_member(environment_id, session_id))
            pipe.execute()

    # --- reads -------------------------------------------------------------------------------
    def read(self, *, environment_id: int, session_id: str) -> list[BufferedLine]:
        with translated_errors("read"):
            members = self._client.zrange(self._lines_key(environment_id, session_id), 0, -1, withscores=True)
        return [BufferedLine(score=int(score), line=_text(member)) for member, score in members]

    def has_lines(self, *, environment_id: int, session_id: str) -> bool:
        with translated_errors("has_lines"):
            return bool(self._client.exists(self._lines_key(environment_id, session_id)))

    def _queue_stats(self, pipe: Any, environment_id: int, session_id: str) -> None:
        key = self._lines_key(environment_id, session_id)
        pipe.zcard(key)
        pipe.hmget(self._meta_key(environment_id, session_id), "bytes", "first_ms", "last_ms")
        pipe.zrange(key, 0, 0, withscores=True)
        pipe.zrange(key, -1, -1, withscores=True)

    def stats(self, *, environment_id: int, session_id: str) -> BufferStats:
        with translated_errors("stats"):
            pipe = self._client.pipeline(transaction=False)
            self._queue_stats(pipe, environment_id, session_id)
            return _stats_from(pipe.execute())

    def sessions(self) -> list[SessionRef]:
        with translated_errors("sessions"):
            pipe = self._client.pipeline(transaction=False)
            for partition in range(self.partitions):
                pipe.zrange(active_key(partition), 0, -1)
            per_partition = pipe.execute()
        refs = []
        for members in per_partition:
            for member in members:
                environment_id, _, session_id = _text(member).partition("/")
                refs.append(SessionRef(environment_id=int(environment_id), session_id=session_id))
        return refs

    def sessions_stats(self) -> dict[SessionRef, BufferStats]:
        refs = self.sessions()
        if not refs:
            return {}
        with translated_errors("sessions_stats"):
            pipe = self._client.pipeline(transaction=False)
            for ref in refs:
                self._queue_stats(pipe, ref.environment_id, ref.session_id)
            results = pipe.execute()
        return {ref: _stats_from(results[index * 4 : index * 4 + 4]) for index, ref in enumerate(refs)}

    def ping(self) -> None:
        with translated_errors("ping"):
            self._client.ping()


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

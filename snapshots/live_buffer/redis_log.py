"""The Redis ingest log: one stream per partition, read by the consumer group ``aggregators``.

Delivery is at least once: ``XREADGROUP … >`` hands each new entry to one consumer; an entry a
consumer received but never acknowledged (it died) is handed to another by ``XAUTOCLAIM`` once
it has been idle for the reclaim delay; acknowledged entries are deleted (``XACK`` + ``XDEL``),
so the streams hold exactly what is still to be applied. The group is created from the start
of the stream (``0``), so entries written before the first aggregator ever ran are read too.
Works on a single Redis and on Redis Cluster (one stream per slot, one command per stream).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

import redis

from snapshots.live_buffer.base import LiveBufferUnavailable, LogBacklog, LogEntry, partition_tag

CONSUMER_GROUP = "aggregators"


def log_key(partition: int) -> str:
    return f"@posthog/replay/ingest-log/{partition_tag(partition)}"


def _entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class RedisIngestLog:
    def __init__(self, client: Any, *, partitions: int) -> None:
        self._client = client
        self.partitions = partitions
        self._groups_ready = False

    # --- scripts -----------------------------------------------------------------------------
    @staticmethod
    def _script_sha(source: str) -> str:
        return hashlib.sha1(source.encode("utf-8"), usedforsecurity=False).hexdigest()

    def _evalsha_all(self, sha: str, source: str, calls: Sequence[tuple[list[str], list[Any]]]) -> None:
        """Run the script once per ``(keys, args)``, loading it first if a node lacks it.

        One round trip: the usual request has one partition; several go in one pipeline, or on a
        cluster one pipeline per node (redis-py's cluster pipeline refuses scripts).
        """
        if not calls:
            return
        for attempt in (1, 2):
            try:
                if len(calls) == 1:  # the usual request: one session, no pipeline needed
                    keys, args = calls[0]
                    self._client.evalsha(sha, len(keys), *keys, *args)
                elif isinstance(self._client, redis.RedisCluster):
                    self._evalsha_per_node(sha, calls)
                else:
                    self._evalsha_pipelined(self._client, sha, calls)
                return
            except redis.exceptions.NoScriptError:
                if attempt == 2:
                    raise
                self._client.script_load(source)

    @staticmethod
    def _evalsha_pipelined(client: Any, sha: str, calls: Sequence[tuple[list[str], list[Any]]]) -> None:
        pipe = client.pipeline(transaction=False)
        for keys, args in calls:
            pipe.evalsha(sha, len(keys), *keys, *args)
        pipe.execute()

    def _evalsha_per_node(self, sha: str, calls: Sequence[tuple[list[str], list[Any]]]) -> None:
        """A pipeline on each node that owns some of the calls' slots; a slot that moved meanwhile
        (MOVED/ASK) makes the calls go one by one through the cluster client, which follows it."""
        by_node: dict[str, tuple[Any, list[tuple[list[str], list[Any]]]]] = {}
        for keys, args in calls:
            node = self._client.get_node_from_key(keys[0])
            by_node.setdefault(node.name, (node, []))[1].append((keys, args))
        try:
            for node, node_calls in by_node.values():
                self._evalsha_pipelined(node.redis_connection, sha, node_calls)
        except (
            redis.exceptions.MovedError,
            redis.exceptions.AskError,
            redis.exceptions.ResponseError,
        ) as error:
            if isinstance(error, redis.exceptions.NoScriptError):
                raise
            for keys, args in calls:  # idempotent: identical lines are kept once, records dedup
                self._client.evalsha(sha, len(keys), *keys, *args)

    # --- the consumer group --------------------------------------------------------------------
    def _ensure_groups(self, *, force: bool = False) -> None:
        if self._groups_ready and not force:
            return
        for partition in range(self.partitions):
            try:
                self._client.xgroup_create(log_key(partition), CONSUMER_GROUP, id="0", mkstream=True)
            except redis.exceptions.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise
        self._groups_ready = True

    def _with_groups(self, operation: str, run: Any) -> Any:
        try:
            self._ensure_groups()
            try:
                return run()
            except redis.exceptions.ResponseError as error:
                if "NOGROUP" not in str(error):
                    raise
                self._ensure_groups(force=True)  # the stream was deleted (FLUSHDB, a new node)
                return run()
        except redis.RedisError as error:
            raise LiveBufferUnavailable(f"Redis ingest log {operation} failed: {error}") from error

    @staticmethod
    def _entries(partition: int, messages: Any) -> list[LogEntry]:
        entries = []
        for entry_id, fields in messages or []:
            record = fields.get(b"r") if isinstance(fields, dict) else None
            if record is not None:
                entries.append(LogEntry(partition=partition, entry_id=_text(entry_id), record=record))
        return entries

    def log_read(self, *, consumer: str, count: int) -> list[LogEntry]:
        def run() -> list[LogEntry]:
            pipe = self._client.pipeline(transaction=False)
            for partition in range(self.partitions):
                pipe.xreadgroup(CONSUMER_GROUP, consumer, {log_key(partition): ">"}, count=count)
            entries: list[LogEntry] = []
            for partition, reply in enumerate(pipe.execute()):
                for _stream, messages in reply or []:
                    entries += self._entries(partition, messages)
            return entries

        result: list[LogEntry] = self._with_groups("read", run)
        return result

    def log_reclaim(self, *, consumer: str, min_idle_ms: int, count: int) -> list[LogEntry]:
        def run() -> list[LogEntry]:
            pipe = self._client.pipeline(transaction=False)
            for partition in range(self.partitions):
                pipe.xautoclaim(log_key(partition), CONSUMER_GROUP, consumer, min_idle_ms, "0-0", count=count)
            entries: list[LogEntry] = []
            for partition, reply in enumerate(pipe.execute()):
                entries += self._entries(partition, reply[1] if reply else [])
            return entries

        result: list[LogEntry] = self._with_groups("reclaim", run)
        return result

    def log_ack(self, *, entries: Sequence[LogEntry]) -> None:
        by_partition: dict[int, list[str]] = {}
        for entry in entries:
            by_partition.setdefault(entry.partition, []).append(entry.entry_id)
        if not by_partition:
            return

        def run() -> None:
            pipe = self._client.pipeline(transaction=False)
            for partition, ids in by_partition.items():
                pipe.xack(log_key(partition), CONSUMER_GROUP, *ids)
                pipe.xdel(log_key(partition), *ids)
            pipe.execute()

        self._with_groups("ack", run)

    def log_backlog(self) -> LogBacklog:
        def run() -> LogBacklog:
            pipe = self._client.pipeline(transaction=False)
            for partition in range(self.partitions):
                pipe.xlen(log_key(partition))
                pipe.xrange(log_key(partition), count=1)
            replies = pipe.execute()
            lengths, oldest = replies[0::2], replies[1::2]
            firsts = [_entry_ms(_text(reply[0][0])) for reply in oldest if reply]
            now_ms = int(time.time() * 1000)
            return LogBacklog(
                entries=sum(lengths), oldest_age_ms=max(0, now_ms - min(firsts)) if firsts else None
            )

        result: LogBacklog = self._with_groups("backlog", run)
        return result

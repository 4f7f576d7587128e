"""The live buffer and ingest log: snapshot lines not yet flushed, and accounting not yet applied.

``get_live_buffer()`` picks the driver from settings on every call: Redis when
``LIVE_BUFFER_REDIS_URL`` (default ``REDIS_URL``) is set — a Redis Cluster when
``LIVE_BUFFER_REDIS_CLUSTER`` is on — the database otherwise. Drivers (and their connection
pools) are cached per configuration, so calling it per request is cheap. ``get_ingest_log()``
is the same driver seen as the log the aggregators read.
"""

from __future__ import annotations

import threading
from typing import Any

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from snapshots.live_buffer.base import (
    EMPTY_STATS,
    BufferedLine,
    BufferStats,
    BufferWrite,
    IngestLog,
    LiveBuffer,
    LiveBufferUnavailable,
    LogBacklog,
    LogEntry,
    SessionLines,
    SessionRef,
    live_buffer_key,
    partition_of,
)

__all__ = [
    "EMPTY_STATS",
    "BufferStats",
    "BufferWrite",
    "BufferedLine",
    "IngestLog",
    "LiveBuffer",
    "LiveBufferUnavailable",
    "LogBacklog",
    "LogEntry",
    "SessionLines",
    "SessionRef",
    "get_ingest_log",
    "get_live_buffer",
    "live_buffer_key",
    "partition_of",
]

_clients: dict[tuple[str, float, bool], Any] = {}
_drivers: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


def redis_client(url: str, timeout_seconds: float, *, cluster: bool = False) -> Any:
    """A shared client (``redis.Redis``, or ``redis.RedisCluster``) with bounded timeouts."""
    key = (url, timeout_seconds, cluster)
    with _lock:
        client = _clients.get(key)
        if client is None:
            if cluster:
                client = redis.RedisCluster.from_url(
                    url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
                )
            else:
                client = redis.Redis.from_url(
                    url,
                    socket_timeout=timeout_seconds,
                    socket_connect_timeout=timeout_seconds,
                    health_check_interval=30,
                    # After a Redis restart every pooled connection is dead: retry once at once,
                    # so each does not fail one request.
                    retry=Retry(NoBackoff(), 1),
                    retry_on_error=[redis.exceptions.ConnectionError],
                )
            _clients[key] = client
        return client


def _driver() -> Any:
    ttl_seconds, partitions = int(settings.LIVE_BUFFER_TTL_SECONDS), int(settings.LIVE_BUFFER_PARTITIONS)
    url = settings.LIVE_BUFFER_REDIS_URL or settings.REDIS_URL
    cluster = bool(settings.LIVE_BUFFER_REDIS_CLUSTER)
    timeout = float(settings.REDIS_SOCKET_TIMEOUT_SECONDS)
    key = (url, cluster, timeout, ttl_seconds, partitions)
    with _lock:
        driver = _drivers.get(key)
    if driver is not None:
        return driver
    if url:
        from snapshots.live_buffer.redis_buffer import RedisLiveBuffer

        client = redis_client(url, timeout, cluster=cluster)
        driver = RedisLiveBuffer(client, ttl_seconds=ttl_seconds, partitions=partitions)
    else:
        from snapshots.live_buffer.database import DatabaseLiveBuffer

        driver = DatabaseLiveBuffer(ttl_seconds=ttl_seconds, partitions=partitions)
    with _lock:
        return _drivers.setdefault(key, driver)


def get_live_buffer() -> LiveBuffer:
    buffer: LiveBuffer = _driver()
    return buffer


def get_ingest_log() -> IngestLog:
    log: IngestLog = _driver()
    return log

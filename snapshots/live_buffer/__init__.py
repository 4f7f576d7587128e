"""The live buffer: snapshot lines not yet flushed to object storage (Redis or the database).

``get_live_buffer()`` picks the driver from settings on every call: Redis when ``REDIS_URL`` is
set, the database otherwise. Redis clients (and their connection pools) are cached per URL and
timeout, so calling it per request is cheap.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings

from snapshots.live_buffer.base import (
    EMPTY_STATS,
    BufferedLine,
    BufferStats,
    LiveBuffer,
    LiveBufferUnavailable,
    SessionRef,
    live_buffer_key,
)

__all__ = [
    "EMPTY_STATS",
    "BufferStats",
    "BufferedLine",
    "LiveBuffer",
    "LiveBufferUnavailable",
    "SessionRef",
    "get_live_buffer",
    "live_buffer_key",
]

_clients: dict[tuple[str, float], redis.Redis] = {}
_clients_lock = threading.Lock()


def redis_client(url: str, timeout_seconds: float) -> redis.Redis:
    """A shared client for ``url`` with bounded connect and socket timeouts."""
    key = (url, timeout_seconds)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_timeout=timeout_seconds,
                socket_connect_timeout=timeout_seconds,
                health_check_interval=30,
            )
            _clients[key] = client
        return client


def get_live_buffer() -> LiveBuffer:
    ttl_seconds = int(settings.LIVE_BUFFER_TTL_SECONDS)
    if settings.REDIS_URL:
        from snapshots.live_buffer.redis_buffer import RedisLiveBuffer

        client = redis_client(settings.REDIS_URL, float(settings.REDIS_SOCKET_TIMEOUT_SECONDS))
        return RedisLiveBuffer(client, ttl_seconds=ttl_seconds)
    from snapshots.live_buffer.database import DatabaseLiveBuffer

    return DatabaseLiveBuffer(ttl_seconds=ttl_seconds)

"""One contract suite for every live buffer driver (database and real Redis)."""

from __future__ import annotations

import time
import zlib

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from snapshots.live_buffer import (
    BufferedLine,
    LiveBuffer,
    LiveBufferUnavailable,
    SessionRef,
    get_live_buffer,
    live_buffer_key,
)
from snapshots.live_buffer.database import DatabaseLiveBuffer
from snapshots.live_buffer.redis_buffer import RedisLiveBuffer


def line(n: int, window: str = "w1") -> BufferedLine:
    return BufferedLine(score=1_700_000_000_000 + n, line=f'{{"window_id":"{window}","data":[{{"n":{n}}}]}}')


def test_driver_follows_settings(live_buffer_backend: str, live_buffer: LiveBuffer) -> None:
    expected = DatabaseLiveBuffer if live_buffer_backend == "database" else RedisLiveBuffer
    assert isinstance(live_buffer, expected)
    if live_buffer_backend == "cluster":
        assert isinstance(live_buffer, RedisLiveBuffer)
        assert isinstance(live_buffer._client, redis.RedisCluster)


def test_append_then_read_in_score_order(live_buffer: LiveBuffer) -> None:
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(3), line(1), line(2)])

    assert live_buffer.read(environment_id=1, session_id="s1") == [line(1), line(2), line(3)]
    assert live_buffer.has_lines(environment_id=1, session_id="s1")


def test_identical_lines_are_kept_once(live_buffer: LiveBuffer) -> None:
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(1), line(1)])
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(1)])

    assert live_buffer.read(environment_id=1, session_id="s1") == [line(1)]
    assert live_buffer.stats(environment_id=1, session_id="s1").size_bytes == len(line(1).line)


def test_sessions_are_isolated_by_environment_and_session(live_buffer: LiveBuffer) -> None:
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(1)])
    live_buffer.append(environment_id=2, session_id="s1", lines=[line(2)])
    live_buffer.append(environment_id=1, session_id="s2", lines=[line(3)])

    assert live_buffer.read(environment_id=1, session_id="s1") == [line(1)]
    assert live_buffer.read(environment_id=2, session_id="s1") == [line(2)]
    assert sorted(live_buffer.sessions(), key=lambda ref: (ref.environment_id, ref.session_id)) == [
        SessionRef(1, "s1"),
        SessionRef(1, "s2"),
        SessionRef(2, "s1"),
    ]


def test_remove_removes_exactly_the_given_lines(live_buffer: LiveBuffer) -> None:
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(1), line(2)])
    read = live_buffer.read(environment_id=1, session_id="s1")
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(3)])  # arrives during a flush

    live_buffer.remove(environment_id=1, session_id="s1", lines=read)

    assert live_buffer.read(environment_id=1, session_id="s1") == [line(3)]
    stats = live_buffer.stats(environment_id=1, session_id="s1")
    assert (stats.line_count, stats.size_bytes) == (1, len(line(3).line))
    assert live_buffer.sessions() == [SessionRef(1, "s1")]


def test_removing_lines_that_are_gone_changes_nothing(live_buffer: LiveBuffer) -> None:
    """A flush may trim lines someone else removed meanwhile (a delete, a recovery): no error."""
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(1)])
    before = live_buffer.stats(environment_id=1, session_id="s1")

    live_buffer.remove(environment_id=1, session_id="s1", lines=[line(2), line(3)])

    assert live_buffer.read(environment_id=1, session_id="s1") == [line(1)]
    assert live_buffer.stats(environment_id=1, session_id="s1") == before


def test_removing_every_line_empties_the_session(live_buffer: LiveBuffer) -> None:
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(1), line(2)])

    live_buffer.remove(environment_id=1, session_id="s1", lines=[line(1), line(2), line(9)])

    assert live_buffer.read(environment_id=1, session_id="s1") == []
    assert not live_buffer.has_lines(environment_id=1, session_id="s1")
    assert live_buffer.sessions() == []
    assert live_buffer.stats(environment_id=1, session_id="s1").line_count == 0


def test_stats_report_sizes_scores_and_append_times(live_buffer: LiveBuffer) -> None:
    before_ms = int(time.time() * 1000) - 1000
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(5), line(2)])
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(9)])
    after_ms = int(time.time() * 1000) + 1000

    stats = live_buffer.stats(environment_id=1, session_id="s1")

    assert stats.line_count == 3
    assert stats.size_bytes == sum(len(line(n).line) for n in (5, 2, 9))
    assert (stats.first_score_ms, stats.last_score_ms) == (line(2).score, line(9).score)
    assert stats.first_appended_ms is not None and stats.last_appended_ms is not None
    assert before_ms <= stats.first_appended_ms <= stats.last_appended_ms <= after_ms
    assert live_buffer.sessions_stats() == {SessionRef(1, "s1"): stats}


def test_unknown_session_is_empty(live_buffer: LiveBuffer) -> None:
    assert live_buffer.read(environment_id=1, session_id="nope") == []
    assert not live_buffer.has_lines(environment_id=1, session_id="nope")
    assert live_buffer.stats(environment_id=1, session_id="nope").line_count == 0
    assert live_buffer.sessions_stats() == {}


def test_delete_session_drops_lines_and_index(live_buffer: LiveBuffer) -> None:
    live_buffer.append(environment_id=1, session_id="s1", lines=[line(1)])
    live_buffer.append(environment_id=1, session_id="s2", lines=[line(2)])

    live_buffer.delete_session(environment_id=1, session_id="s1")

    assert live_buffer.read(environment_id=1, session_id="s1") == []
    assert live_buffer.sessions() == [SessionRef(1, "s2")]


def test_unicode_lines_round_trip(live_buffer: LiveBuffer) -> None:
    text = BufferedLine(score=1, line='{"window_id":"w","data":[{"t":"héllo ✓ 😀"}]}')
    live_buffer.append(environment_id=1, session_id="s1", lines=[text])

    assert live_buffer.read(environment_id=1, session_id="s1") == [text]


def _pings(url: str) -> int:
    stats = redis.Redis.from_url(url).info("commandstats")
    return int(stats.get("cmdstat_ping", {}).get("calls", 0))


def test_ping_makes_a_round_trip_to_the_backend(live_buffer_backend: str, live_buffer: LiveBuffer) -> None:
    if live_buffer_backend != "database":
        assert isinstance(live_buffer, RedisLiveBuffer)
        url = settings.LIVE_BUFFER_REDIS_URL or settings.REDIS_URL
        assert url is not None
        before = _pings(url)
        live_buffer.ping()
        assert _pings(url) > before  # (health checks ping too)
    else:
        with CaptureQueriesContext(connection) as queries:
            live_buffer.ping()
        assert len(queries) == 1


def test_redis_layout_is_posthogs_sorted_set_with_ttl(redis_url: str) -> None:
    with override_settings(REDIS_URL=redis_url, LIVE_BUFFER_TTL_SECONDS=1234):
        get_live_buffer().append(environment_id=7, session_id="abc", lines=[line(1)])
    client = redis.Redis.from_url(redis_url)
    key = live_buffer_key(environment_id=7, session_id="abc", partitions=16)

    # PostHog's key, with the hash tag of the session's partition (Redis Cluster slots).
    partition = zlib.crc32(b"7/abc") % 16
    assert key == f"@posthog/replay/snapshots/{{ingest-{partition}}}/team-7/abc"
    assert client.zrange(key, 0, -1, withscores=True) == [(line(1).line.encode(), float(line(1).score))]
    assert 1200 < client.ttl(key) <= 1234


def test_database_lines_past_ttl_are_ignored_and_purged(db: None) -> None:
    with override_settings(REDIS_URL=None, LIVE_BUFFER_TTL_SECONDS=0):
        buffer = get_live_buffer()
        buffer.append(environment_id=1, session_id="s1", lines=[line(1)])
        assert isinstance(buffer, DatabaseLiveBuffer)

        assert buffer.read(environment_id=1, session_id="s1") == []
        assert buffer.purge_expired() == 1


def test_database_ttl_is_per_session_and_refreshed_by_appends(db: None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from snapshots.models import LiveBufferLine

    with override_settings(REDIS_URL=None, LIVE_BUFFER_TTL_SECONDS=3600):
        buffer = get_live_buffer()
        buffer.append(environment_id=1, session_id="s1", lines=[line(1)])
        LiveBufferLine.objects.update(created_at=timezone.now() - timedelta(hours=2))
        buffer.append(environment_id=1, session_id="s1", lines=[line(2)])  # keeps the whole session alive

        assert buffer.read(environment_id=1, session_id="s1") == [line(1), line(2)]
        assert buffer.sessions() == [SessionRef(1, "s1")]

        LiveBufferLine.objects.update(created_at=timezone.now() - timedelta(hours=2))

        assert buffer.read(environment_id=1, session_id="s1") == []
        assert buffer.sessions() == []
        assert isinstance(buffer, DatabaseLiveBuffer)
        assert buffer.purge_expired() == 2


@pytest.mark.parametrize("operation", ["append", "read", "sessions", "ping"])
def test_unreachable_redis_raises_unavailable(operation: str) -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", REDIS_SOCKET_TIMEOUT_SECONDS=0.2):
        buffer = get_live_buffer()
        calls = {
            "append": lambda: buffer.append(environment_id=1, session_id="s", lines=[line(1)]),
            "read": lambda: buffer.read(environment_id=1, session_id="s"),
            "sessions": buffer.sessions,
            "ping": buffer.ping,
        }
        with pytest.raises(LiveBufferUnavailable):
            calls[operation]()

"""The live buffer and ingest log interfaces.

Live buffer: per session, an ordered set of JSONL lines ``{"window_id": …, "data": [rrweb
events]}`` scored by message timestamp (ms). Members are unique like a Redis sorted set's:
appending an identical line twice keeps one. A flush reads lines, stores them, then
``remove``s exactly those lines. Failures to reach the backend raise ``LiveBufferUnavailable``.

Ingest log: the accounting records capture writes next to the lines (``ingest``: one partition's
lines and its record together, atomically; the whole request in one round trip), read by the
aggregators (``log_read`` hands an entry to one consumer, ``log_reclaim`` hands over entries a
dead consumer never acknowledged, ``log_ack`` removes applied entries). Entries are delivered at
least once; records are idempotent (``recordings.services.records``), which makes the effect
exactly once.

Sessions and distinct ids hash to one of ``partitions`` partitions (``partition_of``); a
partition's keys share a Redis Cluster hash tag, so its lines, index and log live on one node.

Besides the lines, each backend tracks per session when lines were appended (server clock) and
roughly how many bytes are buffered, which is what the flusher's idle/age/size rules read
(``stats``). Scores are client timestamps and say nothing about when data arrived.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class LiveBufferUnavailable(Exception):
    """The buffer backend could not be reached or failed."""


@dataclass(frozen=True)
class BufferedLine:
    score: int  # ms timestamp of the message
    line: str  # one JSONL line, without the trailing newline


@dataclass(frozen=True)
class SessionRef:
    environment_id: int
    session_id: str


@dataclass(frozen=True)
class BufferStats:
    """What the buffer holds for one session; an empty session has ``line_count == 0``.

    ``first_appended_ms`` is when the oldest unflushed data arrived (reset to the time of the
    partial flush when a flush leaves newer lines behind), ``last_appended_ms`` when the latest
    did (server clock, ms). ``size_bytes`` is the buffered lines' length (UTF-8 bytes in Redis,
    characters in the database backend: a size hint, not an exact figure).
    """

    line_count: int
    size_bytes: int
    first_appended_ms: int | None
    last_appended_ms: int | None
    first_score_ms: int | None
    last_score_ms: int | None


EMPTY_STATS = BufferStats(0, 0, None, None, None, None)


@dataclass(frozen=True)
class SessionLines:
    environment_id: int
    session_id: str
    lines: Sequence[BufferedLine]


@dataclass(frozen=True)
class BufferWrite:
    """What one request writes to one partition: its sessions' lines and its accounting record."""

    partition: int
    sessions: Sequence[SessionLines]
    record: bytes | None


@dataclass(frozen=True)
class LogEntry:
    partition: int
    entry_id: str  # the stream entry id (Redis) or row id (database)
    record: bytes


@dataclass(frozen=True)
class LogBacklog:
    """Entries written but not yet applied, and how long the oldest has waited (ms)."""

    entries: int
    oldest_age_ms: int | None


def partition_of(*, environment_id: int, key: str, partitions: int) -> int:
    """The partition of a session (``key`` = its id) or of a sessionless distinct id."""
    return zlib.crc32(f"{environment_id}/{key}".encode()) % partitions


def partition_tag(partition: int) -> str:
    """The Redis Cluster hash tag every key of ``partition`` carries."""
    return f"{{ingest-{partition}}}"


def live_buffer_key(*, environment_id: int, session_id: str, partitions: int) -> str:
    partition = partition_of(environment_id=environment_id, key=session_id, partitions=partitions)
    return f"@posthog/replay/snapshots/{partition_tag(partition)}/team-{environment_id}/{session_id}"


class LiveBuffer(Protocol):
    partitions: int

    def ingest(self, *, writes: Sequence[BufferWrite]) -> None:
        """Append every write's lines (idempotent per identical line, refreshing each session's
        TTL) and its record (if any) to the log: each write all or nothing, the whole sequence in
        one round trip. Raises ``LiveBufferUnavailable``; a retry of the same writes is safe."""
        ...

    def append(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        """Add lines of one session without a record (``ingest`` with one write)."""
        ...

    def read(self, *, environment_id: int, session_id: str) -> list[BufferedLine]:
        """All buffered lines of the session, by score (ties in a backend-defined stable order)."""
        ...

    def remove(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        """Remove exactly these lines (others appended meanwhile stay)."""
        ...

    def has_lines(self, *, environment_id: int, session_id: str) -> bool: ...

    def stats(self, *, environment_id: int, session_id: str) -> BufferStats: ...

    def sessions(self) -> list[SessionRef]:
        """Every session that currently holds lines (for the flusher). May include a session
        whose lines just expired; reading it then returns no lines."""
        ...

    def sessions_stats(self) -> dict[SessionRef, BufferStats]:
        """``stats`` of every session ``sessions()`` returns, in as few round trips as possible."""
        ...

    def delete_session(self, *, environment_id: int, session_id: str) -> None: ...

    def ping(self) -> None: ...


class IngestLog(Protocol):
    def log_read(self, *, consumer: str, count: int) -> list[LogEntry]:
        """Up to ``count`` entries no consumer has received yet, now ``consumer``'s to apply."""
        ...

    def log_reclaim(self, *, consumer: str, min_idle_ms: int, count: int) -> list[LogEntry]:
        """Entries another consumer received over ``min_idle_ms`` ago and never acknowledged."""
        ...

    def log_ack(self, *, entries: Sequence[LogEntry]) -> None:
        """The entries are applied: remove them from the log."""
        ...

    def log_backlog(self) -> LogBacklog: ...

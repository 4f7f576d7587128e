"""The live buffer interface.

Per session, an ordered set of JSONL lines ``{"window_id": …, "data": [rrweb events]}`` scored
by message timestamp (ms). Members are unique like a Redis sorted set's: appending an identical
line twice keeps one. A flush reads lines, stores them, then ``remove``s exactly those lines.
Failures to reach the backend raise ``LiveBufferUnavailable``.

Besides the lines, each backend tracks per session when lines were appended (server clock) and
roughly how many bytes are buffered, which is what the flusher's idle/age/size rules read
(``stats``). Scores are client timestamps and say nothing about when data arrived.
"""

from __future__ import annotations

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


def live_buffer_key(*, environment_id: int, session_id: str) -> str:
    return f"@posthog/replay/snapshots/team-{environment_id}/{session_id}"


class LiveBuffer(Protocol):
    def append(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        """Add lines (idempotent per identical line) and refresh the session's TTL."""
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

"""The live buffer interface.

Per session, an ordered set of JSONL lines ``{"window_id": …, "data": [rrweb events]}`` scored
by message timestamp (ms). Members are unique like a Redis sorted set's: appending an identical
line twice keeps one. A flush reads lines, stores them, then ``remove``s exactly those lines.
Failures to reach the backend raise ``LiveBufferUnavailable``.
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


def live_buffer_key(*, environment_id: int, session_id: str) -> str:
    return f"@posthog/replay/snapshots/team-{environment_id}/{session_id}"


class LiveBuffer(Protocol):
    def append(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None: ...

    def read(self, *, environment_id: int, session_id: str) -> list[BufferedLine]:
        """All buffered lines of the session, by score then insertion."""
        ...

    def remove(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        """Remove exactly these lines (others appended meanwhile stay)."""
        ...

    def has_lines(self, *, environment_id: int, session_id: str) -> bool: ...

    def sessions(self) -> list[SessionRef]:
        """Every session that currently holds lines (for the flusher)."""
        ...

    def delete_session(self, *, environment_id: int, session_id: str) -> None: ...

    def ping(self) -> None: ...

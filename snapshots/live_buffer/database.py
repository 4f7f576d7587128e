"""Database live buffer and ingest log: the embedded default when no ``REDIS_URL`` is configured.

Same contract as the Redis driver, one ``LiveBufferLine`` row per member. Uniqueness of
members is enforced by a unique (environment, session, sha256(line)) constraint, so an
identical line appended twice is kept once. Append time is the row's ``created_at``, which
makes ``first_appended_ms`` exact after partial flushes. The TTL is per session, like
the Redis key's EXPIRE refreshed on append: a session without an append for
``LIVE_BUFFER_TTL_SECONDS`` is ignored by reads and deleted by ``purge_expired`` (lazily: the
database has no expiry).
The ingest log is ``IngestLogEntry`` rows written in the same transaction as the lines
(``database_log``). Partitions do not matter to the database; they only shape the records.
Database errors raise ``LiveBufferUnavailable``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Count, Exists, Max, Min, QuerySet, Sum
from django.db.models.functions import Length
from django.utils import timezone

from snapshots.live_buffer.base import (
    EMPTY_STATS,
    BufferedLine,
    BufferStats,
    BufferWrite,
    LiveBufferUnavailable,
    SessionLines,
    SessionRef,
)
from snapshots.live_buffer.database_log import DatabaseIngestLog
from snapshots.models import IngestLogEntry, LiveBufferLine


def line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


@contextmanager
def _translated_errors(operation: str) -> Iterator[None]:
    try:
        yield
    except DatabaseError as error:
        raise LiveBufferUnavailable(f"database live buffer {operation} failed: {error}") from error


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


_AGGREGATES: dict[str, Any] = {
    "line_count": Count("id"),
    "size_bytes": Sum(Length("line")),
    "first_appended": Min("created_at"),
    "last_appended": Max("created_at"),
    "first_score": Min("score"),
    "last_score": Max("score"),
}


def _stats_from(row: dict[str, Any]) -> BufferStats:
    if not row["line_count"]:
        return EMPTY_STATS
    return BufferStats(
        line_count=row["line_count"],
        size_bytes=int(row["size_bytes"] or 0),
        first_appended_ms=_ms(row["first_appended"]),
        last_appended_ms=_ms(row["last_appended"]),
        first_score_ms=row["first_score"],
        last_score_ms=row["last_score"],
    )


class DatabaseLiveBuffer(DatabaseIngestLog):
    def __init__(self, *, ttl_seconds: int, partitions: int) -> None:
        self._ttl = timedelta(seconds=ttl_seconds)
        self.partitions = partitions

    def _cutoff(self) -> datetime:
        return timezone.now() - self._ttl

    def _session(self, environment_id: int, session_id: str) -> QuerySet[LiveBufferLine]:
        """The session's lines, or none once it expired (no append within the TTL)."""
        lines = LiveBufferLine.objects.filter(environment_id=environment_id, session_id=session_id)
        return lines.filter(Exists(lines.filter(created_at__gte=self._cutoff())))

    def _grouped(self) -> QuerySet[LiveBufferLine, Any]:
        """One row per session with its aggregates (``last_appended`` among them)."""
        sessions: QuerySet[LiveBufferLine, Any] = LiveBufferLine.objects.values(
            "environment_id", "session_id"
        )
        return sessions.order_by().annotate(**_AGGREGATES)

    def ingest(self, *, writes: Sequence[BufferWrite]) -> None:
        rows = [
            LiveBufferLine(
                environment_id=session.environment_id,
                session_id=session.session_id,
                score=item.score,
                line=item.line,
                line_hash=line_hash(item.line),
            )
            for write in writes
            for session in write.sessions
            for item in session.lines
        ]
        records = [
            IngestLogEntry(partition=write.partition, record=write.record) for write in writes if write.record
        ]
        with _translated_errors("ingest"), transaction.atomic():
            LiveBufferLine.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
            IngestLogEntry.objects.bulk_create(records, batch_size=500)

    def append(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        session = SessionLines(environment_id=environment_id, session_id=session_id, lines=lines)
        self.ingest(writes=[BufferWrite(partition=0, sessions=[session], record=None)])

    def read(self, *, environment_id: int, session_id: str) -> list[BufferedLine]:
        with _translated_errors("read"):
            ordered = self._session(environment_id, session_id).order_by("score", "id")
            rows = ordered.values_list("score", "line")
            return [BufferedLine(score=score, line=line) for score, line in rows]

    def remove(self, *, environment_id: int, session_id: str, lines: Sequence[BufferedLine]) -> None:
        hashes = [line_hash(item.line) for item in lines]
        with _translated_errors("remove"):
            session = LiveBufferLine.objects.filter(environment_id=environment_id, session_id=session_id)
            for start in range(0, len(hashes), 500):
                session.filter(line_hash__in=hashes[start : start + 500]).delete()

    def has_lines(self, *, environment_id: int, session_id: str) -> bool:
        with _translated_errors("has_lines"):
            return self._session(environment_id, session_id).exists()

    def stats(self, *, environment_id: int, session_id: str) -> BufferStats:
        with _translated_errors("stats"):
            return _stats_from(self._session(environment_id, session_id).aggregate(**_AGGREGATES))

    def sessions(self) -> list[SessionRef]:
        return list(self.sessions_stats())

    def sessions_stats(self) -> dict[SessionRef, BufferStats]:
        with _translated_errors("sessions_stats"):
            rows = self._grouped().filter(**{"last_appended__gte": self._cutoff()})
            return {
                SessionRef(row["environment_id"], row["session_id"]): _stats_from(dict(row)) for row in rows
            }

    def delete_session(self, *, environment_id: int, session_id: str) -> None:
        with _translated_errors("delete_session"):
            LiveBufferLine.objects.filter(environment_id=environment_id, session_id=session_id).delete()

    def purge_expired(self) -> int:
        """Delete sessions without an append within the TTL (the database has no EXPIRE);
        returns how many lines went."""
        deleted = 0
        with _translated_errors("purge_expired"):
            for row in self._grouped().filter(**{"last_appended__lt": self._cutoff()}):
                count, _ = LiveBufferLine.objects.filter(
                    environment_id=row["environment_id"], session_id=row["session_id"]
                ).delete()
                deleted += count
        return deleted

    def ping(self) -> None:
        with _translated_errors("ping"):
            LiveBufferLine.objects.exists()

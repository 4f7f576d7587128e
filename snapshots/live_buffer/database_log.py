"""The database ingest log: ``IngestLogEntry`` rows claimed by consumers, deleted once applied.

``log_read`` claims the oldest unclaimed rows for one consumer (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several aggregators share the log; SQLite serialises writers anyway);
``log_reclaim`` claims rows whose consumer has held them for ``min_idle_ms`` without
acknowledging them (it died); ``log_ack`` deletes rows. Database errors raise
``LiveBufferUnavailable``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from snapshots.live_buffer.base import LiveBufferUnavailable, LogBacklog, LogEntry
from snapshots.models import IngestLogEntry


@contextmanager
def _translated_errors(operation: str) -> Iterator[None]:
    try:
        yield
    except DatabaseError as error:
        raise LiveBufferUnavailable(f"database ingest log {operation} failed: {error}") from error


def _claim(rows: QuerySet[IngestLogEntry], *, consumer: str, count: int) -> list[LogEntry]:
    with transaction.atomic():
        claimed = list(
            rows.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "partition", "record")[:count]
        )
        if claimed:
            IngestLogEntry.objects.filter(id__in=[row[0] for row in claimed]).update(
                claimed_by=consumer, claimed_at=timezone.now()
            )
    return [
        LogEntry(partition=partition, entry_id=str(pk), record=bytes(record))
        for pk, partition, record in claimed
    ]


class DatabaseIngestLog:
    def log_read(self, *, consumer: str, count: int) -> list[LogEntry]:
        with _translated_errors("read"):
            return _claim(IngestLogEntry.objects.filter(claimed_by=""), consumer=consumer, count=count)

    def log_reclaim(self, *, consumer: str, min_idle_ms: int, count: int) -> list[LogEntry]:
        idle_since = timezone.now() - timedelta(milliseconds=min_idle_ms)
        stale = IngestLogEntry.objects.exclude(claimed_by="").filter(claimed_at__lt=idle_since)
        with _translated_errors("reclaim"):
            return _claim(stale, consumer=consumer, count=count)

    def log_ack(self, *, entries: Sequence[LogEntry]) -> None:
        ids = [int(entry.entry_id) for entry in entries]
        with _translated_errors("ack"):
            for start in range(0, len(ids), 500):
                IngestLogEntry.objects.filter(id__in=ids[start : start + 500]).delete()

    def log_backlog(self) -> LogBacklog:
        with _translated_errors("backlog"):
            summary = IngestLogEntry.objects.aggregate(oldest=Min("created_at"))
            entries = IngestLogEntry.objects.count()
        oldest = summary["oldest"]
        age = None if oldest is None else max(0, int((timezone.now() - oldest).total_seconds() * 1000))
        return LogBacklog(entries=entries, oldest_age_ms=age)

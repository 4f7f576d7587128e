"""Bookkeeping rows that stop mattering after a while, deleted in bounded batches.

Each prune deletes at most ``batch_size`` rows per statement (a long-lived table is never locked
by one huge DELETE) and returns how many went. Both run hourly or so from the beat schedule
(``recordings.tasks``); running one twice, or concurrently, is harmless.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from recordings.models import IngestedBlock, RecordingElement


def _batched_delete(rows: QuerySet, batch_size: int) -> int:
    deleted = 0
    while True:
        ids = list(rows.values_list("id", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += rows.model.objects.filter(id__in=ids).delete()[0]


def ingested_blocks_prune(*, before: datetime, batch_size: int = 10_000) -> int:
    """Forget the exactly-once records of blocks applied before ``before`` (a retry or a re-read
    cannot come that late)."""
    return _batched_delete(IngestedBlock.objects.filter(created_at__lt=before), batch_size)


def recording_elements_prune(*, before: datetime, batch_size: int = 10_000) -> int:
    """Drop element index rows not refreshed since ``before`` (their sessions re-send the DOM
    if still live)."""
    return _batched_delete(RecordingElement.objects.filter(updated_at__lt=before), batch_size)

"""``capture_batch_ingest``: everything one accepted capture request does.

1. Items of tombstoned sessions (``DeletedRecording``) are dropped — a deleted recording never
   comes back, and its late events are not stored either.
2. ``$snapshot`` items → live buffer lines. A live buffer outage raises
   ``LiveBufferUnavailable`` before anything is accounted for; the view answers 503 and the
   client retries (identical lines are deduplicated by the buffer).
3. In ONE transaction: the per-session metadata upserts, session events, persons. A database
   error rolls all of them back (503, retried), so nothing is counted twice.
4. ``flush_check_schedule()`` lets the embedded mode flush due buffers without extra daemons.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from recordings.models import DeletedRecording
from recordings_api.models import Environment
from snapshots.capture.payload import CaptureItem
from snapshots.ingestion.events import session_events_store
from snapshots.ingestion.persons import persons_update
from snapshots.ingestion.snapshots import (
    session_blocks_build,
    snapshot_blocks_account,
    snapshot_blocks_buffer,
)

logger = logging.getLogger(__name__)


def _without_tombstoned(*, environment: Environment, items: Sequence[CaptureItem]) -> list[CaptureItem]:
    session_ids = {item.session_id for item in items if item.session_id}
    if not session_ids:
        return list(items)
    deleted = set(
        DeletedRecording.objects.filter(environment=environment, session_id__in=session_ids).values_list(
            "session_id", flat=True
        )
    )
    return [item for item in items if item.session_id not in deleted]


def capture_batch_ingest(*, environment: Environment, items: Sequence[CaptureItem]) -> None:
    """Store every valid item of one request (see module docstring for order and failure modes)."""
    kept = _without_tombstoned(environment=environment, items=items)
    if len(kept) != len(items):
        logger.info(
            "capture_items_of_deleted_sessions_dropped",
            extra={"environment_id": environment.id, "dropped": len(items) - len(kept)},
        )
    snapshots = [item for item in kept if item.is_snapshot]
    others = [item for item in kept if not item.is_snapshot]
    blocks = session_blocks_build(snapshots)
    snapshot_blocks_buffer(environment=environment, blocks=blocks)
    # One transaction for every row this request writes: if any write fails (database busy →
    # 503), none is kept and the client's retry is accounted exactly once.
    with transaction.atomic():
        snapshot_blocks_account(environment=environment, blocks=blocks)
        if others:
            session_events_store(environment=environment, items=others)
        persons_update(environment=environment, items=kept)
    if snapshots:
        _schedule_flush_check()


def _schedule_flush_check() -> None:
    # The data is already buffered: a failing scheduler must not turn the 200 into an error
    # (the beat schedule and `flush_live_buffers` still flush it).
    try:
        from snapshots.flush import flush_check_schedule

        flush_check_schedule()
    except Exception:
        logger.exception("flush_check_schedule_failed")

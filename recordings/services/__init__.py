"""Writes of the recordings app: its own tables, and nothing else's.

- ``lifecycle``: persist, delete (single, bulk), the retention purge, re-stamping expiry after a
  retention change, viewed marks;
- ``ingest``: one batch of ingested records (recording metadata, session events, persons,
  groups) applied exactly once, with ``records`` the typed input and ``recording_metadata``,
  ``session_events``, ``persons`` the parts.
"""

from recordings.services.ingest import BatchApplied, ingested_batch_apply
from recordings.services.lifecycle import (
    session_recording_delete,
    session_recording_mark_viewed,
    session_recording_persist,
    session_recordings_bulk_delete,
    session_recordings_bulk_viewed,
    session_recordings_expired_purge,
    session_recordings_expired_purge_all,
    session_recordings_expiry_restamp,
)
from recordings.services.pruning import ingested_blocks_prune, recording_elements_prune

__all__ = [
    "BatchApplied",
    "ingested_batch_apply",
    "ingested_blocks_prune",
    "recording_elements_prune",
    "session_recording_delete",
    "session_recording_mark_viewed",
    "session_recording_persist",
    "session_recordings_bulk_delete",
    "session_recordings_bulk_viewed",
    "session_recordings_expired_purge",
    "session_recordings_expired_purge_all",
    "session_recordings_expiry_restamp",
]

"""Write operations of the snapshots domain that other apps call."""

from __future__ import annotations

import logging

from snapshots.live_buffer import get_live_buffer
from snapshots.long_term import session_long_term_copy_delete
from snapshots.models import RecordingBlob
from snapshots.storage import get_blob_store, session_prefix

logger = logging.getLogger(__name__)


def session_snapshots_delete(*, environment_id: int, session_id: str) -> None:
    """Delete every piece of snapshot data of one session: live buffer, blobs, blob rows and the
    long-term copy.

    Order matters for retries: the buffer first (ingestion already refuses tombstoned
    sessions), then the objects, then the rows, so rows never outlive a successful delete and a
    failure (``StorageUnavailable`` / ``LiveBufferUnavailable``) leaves a state a retry finishes.
    """
    get_live_buffer().delete_session(environment_id=environment_id, session_id=session_id)
    deleted = get_blob_store().delete_prefix(
        session_prefix(environment_id=environment_id, session_id=session_id)
    )
    rows, _ = RecordingBlob.objects.filter(environment_id=environment_id, session_id=session_id).delete()
    session_long_term_copy_delete(environment_id=environment_id, session_id=session_id)
    logger.info(
        "session_snapshots_deleted",
        extra={"environment_id": environment_id, "session_id": session_id, "objects": deleted, "rows": rows},
    )

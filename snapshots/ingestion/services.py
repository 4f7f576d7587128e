"""``capture_ingest``: what one accepted capture request does, whatever SDK sent it.

The adapter (posthog-js capture, Sentry envelopes) validates the request into ``CaptureItem``s;
this builds the request's writes (``build``: buffer lines and accounting records, by partition)
and hands them to the live buffer in ONE round trip (``LiveBuffer.ingest``). Nothing else
happens on the request path: no database query (the token was resolved from a process cache),
no metadata computed into rows. The aggregators apply the records downstream
(``snapshots.aggregation``); deleted recordings and environments are dropped there and by the
flush. ``LiveBufferUnavailable`` propagates: the view answers 503 and the client retries, which
is safe (identical lines are stored once, records are idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from snapshots.capture.payload import CaptureItem
from snapshots.ingestion.build import PartitionWrite, capture_writes_build
from snapshots.ingestion.records import record_encode
from snapshots.live_buffer import BufferWrite, get_live_buffer

logger = logging.getLogger(__name__)


def _buffer_write(write: PartitionWrite) -> BufferWrite:
    record = write.record
    has_record = (
        record.blocks or record.events or record.persons or record.groups or record.has_replay_records
    )
    return BufferWrite(
        partition=write.partition,
        sessions=write.sessions,
        record=record_encode(record) if has_record else None,
    )


def capture_ingest(*, environment_id: int, items: Sequence[CaptureItem]) -> None:
    """Buffer every item's data and its accounting, atomically per partition, in one round trip."""
    buffer = get_live_buffer()
    writes = capture_writes_build(environment_id=environment_id, items=items, partitions=buffer.partitions)
    buffer.ingest(writes=[_buffer_write(write) for write in writes])
    logger.debug(  # per request: debug, the hot path must not be bound by log I/O
        "capture_ingested",
        extra={"environment_id": environment_id, "partitions": [write.partition for write in writes]},
    )


def partition_writes_ingest(*, writes: Sequence[PartitionWrite]) -> None:
    """Hand writes another adapter built (Sentry envelopes) to the live buffer in one round trip.

    Raises ``LiveBufferUnavailable``; a retry of the same writes is safe."""
    if writes:
        get_live_buffer().ingest(writes=[_buffer_write(write) for write in writes])

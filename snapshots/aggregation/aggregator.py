"""One consumer of the ingest log.

A round: take over entries a dead consumer left unacknowledged (every so often), read new ones,
decode them, apply them all with ONE ``recordings.services.ingested_batch_apply`` (one
transaction), then acknowledge them. A crash anywhere before the acknowledgement leaves the
entries pending: another consumer (or this one, restarted) applies them again after
``AGGREGATOR_RECLAIM_IDLE_SECONDS``, and the records' idempotency makes that a no-op for what was
already committed. A database error keeps the entries for the next round (nothing is
acknowledged); an entry that cannot be decoded is logged and acknowledged (it would never
decode).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections

from recordings.services import ingested_batch_apply
from recordings.services.records import IngestedBatch
from snapshots.ingestion.records import RecordInvalid, record_decode
from snapshots.live_buffer import IngestLog, LogEntry, get_ingest_log

logger = logging.getLogger("snapshots.aggregation")


@dataclass(frozen=True)
class AggregatorRound:
    entries: int = 0  # applied and acknowledged this round
    blocks: int = 0
    events: int = 0
    invalid: int = 0
    failed: bool = False


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _decoded(entries: Sequence[LogEntry]) -> tuple[IngestedBatch, int]:
    batch, invalid = IngestedBatch(), 0
    for entry in entries:
        try:
            batch.extend(record_decode(entry.record))
        except RecordInvalid as error:
            invalid += 1
            logger.error(
                "ingest_log_entry_invalid",
                extra={"partition": entry.partition, "entry_id": entry.entry_id, "error": str(error)},
            )
    return batch, invalid


class Aggregator:
    def __init__(self, *, consumer: str | None = None, log: IngestLog | None = None) -> None:
        self.consumer = consumer or consumer_name()
        self._log = log
        self.batch_size = int(settings.AGGREGATOR_BATCH_SIZE)
        self.reclaim_idle_ms = int(settings.AGGREGATOR_RECLAIM_IDLE_SECONDS * 1000)
        self._last_reclaim = -math.inf
        self._held: list[LogEntry] = []  # read, not yet applied (a database error last round)

    @property
    def log(self) -> IngestLog:
        return self._log or get_ingest_log()

    def _take(self) -> list[LogEntry]:
        entries, self._held = self._held, []
        now = time.monotonic()
        if now - self._last_reclaim >= self.reclaim_idle_ms / 2000:
            self._last_reclaim = now
            entries += self.log.log_reclaim(
                consumer=self.consumer, min_idle_ms=self.reclaim_idle_ms, count=self.batch_size
            )
        per_partition = max(1, math.ceil(self.batch_size / max(1, getattr(self.log, "partitions", 1))))
        entries += self.log.log_read(consumer=self.consumer, count=per_partition)
        unique = {(entry.partition, entry.entry_id): entry for entry in entries}
        return list(unique.values())

    def run_once(self) -> AggregatorRound:
        """One round (see the module docstring); raises ``LiveBufferUnavailable`` when the log is
        unreachable."""
        entries = self._take()
        if not entries:
            return AggregatorRound()
        batch, invalid = _decoded(entries)
        try:
            applied = ingested_batch_apply(batch=batch)
        except DatabaseError as error:
            self._held = entries
            logger.warning("ingest_batch_apply_failed", extra={"entries": len(entries), "error": str(error)})
            return AggregatorRound(failed=True)
        self.log.log_ack(entries=entries)
        return AggregatorRound(
            entries=len(entries), blocks=applied.blocks, events=applied.events, invalid=invalid
        )

    def run_forever(self, *, stop: threading.Event, poll_seconds: float | None = None) -> None:
        """Rounds until ``stop`` is set; sleeps ``poll_seconds`` when the log is empty or down."""
        poll = float(settings.AGGREGATOR_POLL_SECONDS if poll_seconds is None else poll_seconds)
        logger.info("aggregator_started", extra={"consumer": self.consumer})
        while not stop.is_set():
            try:
                outcome = self.run_once()
            except Exception as error:  # the log or the database is down: wait and retry
                logger.warning(
                    "aggregator_round_failed", extra={"consumer": self.consumer, "error": str(error)}
                )
                outcome = AggregatorRound(failed=True)
            finally:
                close_old_connections()
            if not outcome.entries:
                stop.wait(poll)
        connections.close_all()  # this thread's connections (they are thread-local): none left open
        logger.info("aggregator_stopped", extra={"consumer": self.consumer})


def ingest_log_drain(*, max_seconds: float = 10.0, consumer: str | None = None) -> int:
    """Apply the log's entries until it is empty (or ``max_seconds`` passed); returns how many.

    Raises ``LiveBufferUnavailable`` when the log is unreachable and ``DatabaseError`` when a
    batch cannot be applied (its entries stay in the log).
    """
    aggregator = Aggregator(consumer=consumer)
    deadline = time.monotonic() + max_seconds
    applied = 0
    while time.monotonic() < deadline:
        outcome = aggregator.run_once()
        if outcome.failed:
            raise DatabaseError("an ingest batch could not be applied; its entries stay in the log")
        if not outcome.entries:
            break
        applied += outcome.entries
    return applied

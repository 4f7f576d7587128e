"""``$snapshot`` items → live buffer lines + recording metadata.

Per request and per session, the items are grouped by window into one JSONL line per window,
``{"window_id": …, "data": [rrweb events]}`` (ARCHITECTURE.md §4), scored by the line's earliest
event timestamp (ms) so the buffer orders lines like the replay does. rrweb events are stored
as received — ``cv: "2024-10"`` payloads stay compressed, the player decompresses them.

Order of effects, which is what makes a 200 safe: lines are appended to the live buffer first
(``LiveBufferUnavailable`` propagates, the client gets a 503 and retries; identical lines are
deduplicated by the buffer), then the metadata rows are upserted (``snapshot_blocks_account``,
inside the caller's transaction).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from recordings_api.models import Environment
from snapshots.capture.payload import CaptureItem
from snapshots.ingestion.metadata import block_metadata_compute
from snapshots.ingestion.recordings import BlockContext, recording_metadata_upsert, snapshot_source_of
from snapshots.live_buffer import BufferedLine, get_live_buffer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionBlock:
    session_id: str
    lines: list[BufferedLine]
    events: list[dict[str, Any]]
    first_item: CaptureItem

    @property
    def size_bytes(self) -> int:
        return sum(len(line.line.encode("utf-8")) + 1 for line in self.lines)


def snapshot_line(*, window_id: str, events_arrays: Sequence[bytes]) -> str:
    """One JSONL line (no newline) from the items' pre-serialized event arrays.

    Byte-for-byte ``orjson.dumps({"window_id": …, "data": [every event]})``: the arrays are
    spliced, not parsed again. Deterministic, so a retried request yields identical lines.
    """
    inner = b",".join(array[1:-1] for array in events_arrays if len(array) > 2)
    return (b'{"window_id":' + orjson.dumps(window_id) + b',"data":[' + inner + b"]}").decode("utf-8")


def session_blocks_build(items: Sequence[CaptureItem]) -> list[SessionBlock]:
    """Group snapshot items by session, then by window, in arrival order."""
    by_session: dict[str, dict[str, list[CaptureItem]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        assert item.session_id is not None  # validated by the payload parser
        by_session[item.session_id][item.window_id or item.session_id].append(item)
    blocks = []
    for session_id, windows in by_session.items():
        lines = [
            BufferedLine(
                score=min(int(event["timestamp"]) for item in window for event in item.snapshot_events),
                line=snapshot_line(
                    window_id=window_id, events_arrays=[item.snapshot_json for item in window]
                ),
            )
            for window_id, window in windows.items()
        ]
        events = [event for window in windows.values() for item in window for event in item.snapshot_events]
        first_item = next(iter(windows.values()))[0]
        blocks.append(SessionBlock(session_id, lines, events, first_item))
    return blocks


def _context(block: SessionBlock) -> BlockContext:
    properties = block.first_item.properties
    library = properties.get("$lib")
    return BlockContext(
        distinct_id=block.first_item.distinct_id,
        snapshot_source=snapshot_source_of(properties.get("$snapshot_source")),
        snapshot_library=str(library) if library else None,
        size_bytes=block.size_bytes,
    )


def snapshot_blocks_buffer(*, environment: Environment, blocks: Sequence[SessionBlock]) -> None:
    """Append every block's lines to the live buffer (raises ``LiveBufferUnavailable``).

    Runs before any accounting, so a buffer failure leaves no metadata behind and the client's
    retry is counted exactly once.
    """
    buffer = get_live_buffer()
    for block in blocks:
        buffer.append(environment_id=environment.id, session_id=block.session_id, lines=block.lines)


def snapshot_blocks_account(*, environment: Environment, blocks: Sequence[SessionBlock]) -> None:
    """Upsert each block's metadata into its recording, in session id order (a stable lock order)."""
    for block in sorted(blocks, key=lambda b: b.session_id):
        metadata = block_metadata_compute(block.events)
        if metadata is not None:
            recording_metadata_upsert(
                environment=environment, session_id=block.session_id, block=metadata, context=_context(block)
            )
    logger.debug(  # per request: debug, the hot path must not be bound by log I/O
        "snapshot_batch_ingested",
        extra={"environment_id": environment.id, "sessions": [block.session_id for block in blocks]},
    )

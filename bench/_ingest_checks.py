"""Correctness of the ingest benchmark: what the service stored against what it answered 200 to.

Each 200'd request must have become exactly one live buffer line (``CaptureRequest.line``, with
its score); after a flush each line must be in exactly one blob or still buffered. Any
difference raises ``AssertionError`` naming the session and how many lines are missing or extra.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from bench._load import Sent


def expected_lines(ok: Sequence[Sent]) -> dict[str, Counter[tuple[str, int]]]:
    by_session: dict[str, Counter[tuple[str, int]]] = {}
    for sent in ok:
        by_session.setdefault(sent.request.session_id, Counter())[
            (sent.request.line, sent.request.score)
        ] += 1
    return by_session


def buffered_lines(client: Any, key: str) -> Counter[tuple[str, int]]:
    return Counter(
        (member.decode("utf-8"), int(score)) for member, score in client.zrange(key, 0, -1, withscores=True)
    )


def verify_buffer(client: Any, environment_id: int, expected: dict[str, Counter[tuple[str, int]]]) -> None:
    from django.conf import settings

    from snapshots.live_buffer import live_buffer_key

    for session_id, lines in expected.items():
        key = live_buffer_key(
            environment_id=environment_id, session_id=session_id, partitions=settings.LIVE_BUFFER_PARTITIONS
        )
        found = buffered_lines(client, key)
        if found != lines:
            missing, extra = sum((lines - found).values()), sum((found - lines).values())
            raise AssertionError(
                f"session {session_id}: {missing} line(s) missing, {extra} unexpected in {key}"
            )


_COMPARED = (
    "distinct_id",
    "start_time",
    "end_time",
    "start_url",
    "snapshot_source",
    "snapshot_library",
    "size_bytes",
    "message_count",
    "event_count",
    "click_count",
    "keypress_count",
    "mouse_activity_count",
    "active_milliseconds",
    "console_log_count",
    "console_warn_count",
    "console_error_count",
)


def _replayed(environment_id: int, ok: Sequence[Sent]) -> dict[str, Any]:
    """Each session's metadata as the synchronous path computes it: every 200'd request's items
    through the metadata functions and the merge rules, in request order."""
    import gzip
    from datetime import UTC, datetime

    import orjson

    from recordings.services.recording_metadata import recording_block_merge, recording_skeleton
    from recordings_api.models import Environment
    from snapshots.capture.payload import capture_payload_parse
    from snapshots.ingestion.build import capture_writes_build

    environment = Environment.objects.get(id=environment_id)
    recordings: dict[str, Any] = {}
    for sent in sorted(ok, key=lambda s: s.finished_at):
        payload = capture_payload_parse(
            orjson.loads(gzip.decompress(sent.request.body)), now=datetime.now(UTC)
        )
        for write in capture_writes_build(environment_id=environment_id, items=payload.items, partitions=1):
            for block in write.record.blocks:
                recording = recordings.setdefault(block.session_id, recording_skeleton(block, environment))
                recording_block_merge(recording, block)
    return recordings


def verify_metadata(environment_id: int, ok: Sequence[Sent]) -> None:
    """The aggregated recordings equal a synchronous replay of the same batches (URLs as sets:
    their capped order follows arrival, which concurrency does not fix)."""
    from recordings.models import SessionRecording

    expected = _replayed(environment_id, ok)
    stored = {row.session_id: row for row in SessionRecording.objects.filter(environment_id=environment_id)}
    if set(stored) != set(expected):
        raise AssertionError(
            f"{len(set(expected) ^ set(stored))} session(s) differ between stored and expected"
        )
    for session_id, want in expected.items():
        got = stored[session_id]
        diff = {
            name: (getattr(got, name), getattr(want, name))
            for name in _COMPARED
            if getattr(got, name) != getattr(want, name)
        }
        if set(got.urls) != set(want.urls):
            diff["urls"] = (got.urls, want.urls)
        if diff:
            raise AssertionError(
                f"session {session_id}: metadata differs from the synchronous replay: {diff}"
            )


def verify_after_flush(
    client: Any, environment_id: int, expected: dict[str, Counter[tuple[str, int]]]
) -> None:
    """Blob lines + still-buffered lines == the 200'd lines, per session, as multisets."""
    from django.conf import settings

    from snapshots.live_buffer import live_buffer_key
    from snapshots.models import RecordingBlob
    from snapshots.storage import get_blob_store
    from snapshots.storage.blob_format import blob_lines

    store = get_blob_store()
    stored: dict[str, Counter[str]] = {}
    for blob in RecordingBlob.objects.filter(environment_id=environment_id):
        stream = store.open(blob.object_key)
        if stream is None:
            raise AssertionError(f"blob {blob.session_id}/{blob.blob_key} is recorded but not stored")
        try:
            stored.setdefault(blob.session_id, Counter()).update(blob_lines(stream.chunks))
        finally:
            stream.close()
    for session_id, lines in expected.items():
        key = live_buffer_key(
            environment_id=environment_id, session_id=session_id, partitions=settings.LIVE_BUFFER_PARTITIONS
        )
        found = stored.get(session_id, Counter()) + Counter(line for line, _ in buffered_lines(client, key))
        wanted = Counter(line for line, _ in lines.elements())
        if found != wanted:
            missing, extra = sum((wanted - found).values()), sum((found - wanted).values())
            raise AssertionError(
                f"after flush, session {session_id}: {missing} line(s) lost, {extra} duplicated"
            )
    unknown = set(stored) - set(expected)
    if unknown:
        raise AssertionError(f"blobs of sessions never sent: {sorted(unknown)[:3]}")

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
    from snapshots.live_buffer import live_buffer_key

    for session_id, lines in expected.items():
        key = live_buffer_key(environment_id=environment_id, session_id=session_id)
        found = buffered_lines(client, key)
        if found != lines:
            missing, extra = sum((lines - found).values()), sum((found - lines).values())
            raise AssertionError(
                f"session {session_id}: {missing} line(s) missing, {extra} unexpected in {key}"
            )


def verify_metadata(environment_id: int, ok: Sequence[Sent]) -> None:
    from django.db.models import Count, Sum

    from recordings.models import SessionRecording

    totals = SessionRecording.objects.filter(environment_id=environment_id).aggregate(
        recordings=Count("id"), messages=Sum("message_count"), clicks=Sum("click_count")
    )
    wanted = {
        "recordings": len({sent.request.session_id for sent in ok}),
        "messages": len(ok),
        "clicks": sum(sent.request.clicks for sent in ok),
    }
    if totals != wanted:
        raise AssertionError(f"recording metadata {totals} != expected {wanted}")


def verify_after_flush(
    client: Any, environment_id: int, expected: dict[str, Counter[tuple[str, int]]]
) -> None:
    """Blob lines + still-buffered lines == the 200'd lines, per session, as multisets."""
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
        key = live_buffer_key(environment_id=environment_id, session_id=session_id)
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

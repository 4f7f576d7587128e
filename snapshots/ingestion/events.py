"""Non-snapshot events (``$pageview``, ``$autocapture``, custom) stored as events of their session.

Only events that carry a ``$session_id`` are stored: the recordings API reads them by session
(``matching_events``, the recording's ``properties``). Rows are deduplicated by ``uuid`` (unique
per environment; an event sent without one gets a deterministic uuid5 of its content, so a
retried request does not duplicate it). The session's first ``$pageview``/``$autocapture``
fills ``SessionRecording.first_event_properties`` when the recording already exists and has none;
a recording created later looks the event up itself (``recording_metadata_upsert``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import transaction

from recordings.models import SessionEvent, SessionRecording
from recordings_api.models import Environment
from snapshots.capture.payload import CaptureItem
from snapshots.ingestion.recordings import FIRST_EVENT_NAMES

_EVENT_NAME_MAX_LENGTH = SessionEvent._meta.get_field("event").max_length or 400
_UUID_NAMESPACE = uuid.UUID("5f0c0a52-1d6b-4c1e-9a53-2a0d6c1f7e11")


def _event_uuid(item: CaptureItem) -> uuid.UUID:
    if item.uuid is not None:
        return item.uuid
    assert item.timestamp is not None
    return uuid.uuid5(
        _UUID_NAMESPACE, f"{item.distinct_id}|{item.event}|{item.timestamp.isoformat()}|{item.session_id}"
    )


def session_events_store(*, environment: Environment, items: Sequence[CaptureItem]) -> int:
    """Insert the session events of ``items`` (duplicates ignored); returns how many were offered."""
    rows = [
        SessionEvent(
            environment=environment,
            uuid=_event_uuid(item),
            session_id=item.session_id,
            window_id=item.window_id or "",
            event=item.event[:_EVENT_NAME_MAX_LENGTH],
            distinct_id=item.distinct_id,
            timestamp=item.timestamp,
            properties=item.properties,
        )
        for item in items
        if item.session_id and item.timestamp is not None
    ]
    if rows:
        SessionEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    _first_event_properties_fill(environment=environment, items=items)
    return len(rows)


def _first_event_properties_fill(*, environment: Environment, items: Sequence[CaptureItem]) -> None:
    firsts: dict[str, CaptureItem] = {}
    for item in items:
        if item.session_id and item.event in FIRST_EVENT_NAMES and item.timestamp is not None:
            current = firsts.get(item.session_id)
            if current is None or (current.timestamp and item.timestamp < current.timestamp):
                firsts[item.session_id] = item
    for session_id, item in firsts.items():
        with transaction.atomic():
            recording = (
                SessionRecording.objects.select_for_update()
                .filter(environment=environment, session_id=session_id)
                .first()
            )
            if recording is not None and not recording.first_event_properties:
                recording.first_event_properties = item.properties
                recording.save(update_fields=["first_event_properties"])

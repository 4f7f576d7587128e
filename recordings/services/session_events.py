"""Session events (``$pageview``, ``$autocapture``, custom): stored once per uuid.

Only events that carry a session id reach here (the recordings API reads them by session:
``matching_events``, the recording's ``properties``). A retried request or a log entry read
twice inserts nothing new: the uuid is unique per environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from recordings.models import SessionEvent
from recordings.services.records import EventRow
from recordings_api.models import Environment

_EVENT_NAME_MAX_LENGTH = SessionEvent._meta.get_field("event").max_length or 400


def session_events_store(*, events: Sequence[EventRow], environments: Mapping[int, Environment]) -> int:
    """Insert ``events`` of known environments (duplicates ignored); one statement per 500 rows.
    Returns how many were offered."""
    rows = [
        SessionEvent(
            environment_id=event.environment_id,
            uuid=event.uuid,
            session_id=event.session_id,
            window_id=event.window_id,
            event=event.event[:_EVENT_NAME_MAX_LENGTH],
            distinct_id=event.distinct_id,
            timestamp=event.timestamp,
            properties=event.properties,
        )
        for event in events
        if event.environment_id in environments
    ]
    SessionEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)

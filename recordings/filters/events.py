"""Event filters: ``events=[{"id": "$pageview", "type": "events", "properties": [...]}, …]``.

A recording matches an event filter when its session has at least one ``SessionEvent`` with
that name (``id`` null or ``"All events"`` means any event) whose properties match every
``event`` and ``element`` property filter of the entry; ``person`` property filters of the entry apply to the
recording's person. ``actions`` are not supported (this service has no action definitions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from recordings.conditions import invalid
from recordings.filters.elements import element_event_condition
from recordings.filters.properties import (
    PropertyFilter,
    event_property_condition,
    person_property_condition,
    property_filters_parse,
)
from recordings.models import SessionEvent
from recordings_api.models import Environment

ANY_EVENT_NAMES = (None, "", "All events")


@dataclass(frozen=True)
class EventFilter:
    event: str | None
    properties: tuple[PropertyFilter, ...]


def event_filters_parse(raw: Any, *, param: str = "events") -> list[EventFilter]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid(param, f"'{param}' must be a JSON array of event filters.")
    return [_event_filter_parse(item, param=param) for item in raw]


def _event_filter_parse(item: Any, *, param: str) -> EventFilter:
    if not isinstance(item, dict):
        raise invalid(param, f'Each entry of \'{param}\' must be an object like {{"id": "$pageview"}}.')
    if item.get("type", "events") != "events":
        raise invalid(
            param, f"Only filters of type 'events' are supported in '{param}', got {item.get('type')!r}."
        )
    name = item.get("id", item.get("name"))
    if name is not None and not isinstance(name, str):
        raise invalid(param, f"An event filter 'id' must be an event name (string), got {name!r}.")
    properties = property_filters_parse(
        item.get("properties"), param=param, types=("event", "person", "element")
    )
    return EventFilter(event=None if name in ANY_EVENT_NAMES else name, properties=tuple(properties))


def session_events_matching(event_filter: EventFilter, *, param: str = "events") -> QuerySet[SessionEvent]:
    """Events of the outer recording's session matching the filter's name and event properties."""
    events = SessionEvent.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )
    return _apply(events, event_filter, param=param)


def event_condition(event_filter: EventFilter, *, param: str = "events") -> Q:
    condition = Q(Exists(session_events_matching(event_filter, param=param)))
    for prop in event_filter.properties:
        if prop.type == "person":
            condition &= person_property_condition(prop, param=param)
    return condition


def events_of_session(
    *,
    environment: Environment,
    session_id: str,
    event_filters: list[EventFilter],
    properties: list[PropertyFilter],
) -> QuerySet[SessionEvent]:
    """Events of one session matching ANY of ``event_filters`` and ALL event ``properties``."""
    events = SessionEvent.objects.filter(environment=environment, session_id=session_id)
    if event_filters:
        matched = Q(pk__in=[])
        for event_filter in event_filters:
            matched |= Q(pk__in=_apply(SessionEvent.objects.all(), event_filter, param="events").values("pk"))
        events = events.filter(matched)
    for prop in properties:
        events = events.filter(event_property_condition(prop, param="properties"))
    return events.order_by("timestamp", "uuid")


def _apply(
    events: QuerySet[SessionEvent], event_filter: EventFilter, *, param: str
) -> QuerySet[SessionEvent]:
    if event_filter.event is not None:
        events = events.filter(event=event_filter.event)
    for prop in event_filter.properties:
        if prop.type == "event":
            events = events.filter(event_property_condition(prop, param=param))
        elif prop.type == "element":
            events = events.filter(element_event_condition(prop.key, prop.operator, prop.value, param=param))
    return events

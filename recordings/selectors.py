"""Reads of recordings: the filtered list, single lookups and what serialization needs.

Visibility rule (every read here applies it): a recording belongs to the environment, is not
tombstoned (``DeletedRecording``) and has not expired (its stored ``expires_at`` is NULL or after
today's midnight, ``recordings.expiry``; persisted recordings never expire).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from recordings.expiry import today_start
from recordings.filters import order_by_clauses, recordings_query_condition, recordings_query_parse
from recordings.filters.evaluation import database_rejections_as_400
from recordings.filters.events import events_of_session
from recordings.filters.params import RecordingsQuery
from recordings.models import (
    DeletedRecording,
    Person,
    PersonDistinctId,
    SessionRecording,
    SessionRecordingViewed,
)
from recordings_api.lookups import lookup_value_is_storable
from recordings_api.models import Environment

MATCHING_EVENTS_LIMIT = 10_000


def session_recordings_visible(*, environment: Environment) -> QuerySet[SessionRecording]:
    return session_recordings_visible_in(environments=[environment])


def session_recordings_visible_in(*, environments: Sequence[Environment]) -> QuerySet[SessionRecording]:
    """The visible recordings of several environments (the Sentry face's organization lists)."""
    if not environments:
        return SessionRecording.objects.none()
    tombstones = DeletedRecording.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )
    return (
        SessionRecording.objects.filter(environment__in=environments)
        .exclude(Exists(tombstones))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=today_start()))
    )


def session_recordings_expired(*, environment: Environment) -> QuerySet[SessionRecording]:
    """Recordings of ``environment`` past their retention (on or after their expiry day).

    The complement of the retention part of ``session_recordings_visible``: persisted (LTS)
    recordings never appear here.
    """
    return SessionRecording.objects.filter(environment=environment, expires_at__lte=today_start())


def session_recordings_filter(
    *, environment: Environment, filters: Mapping[str, Any], user: Any = None
) -> QuerySet[SessionRecording]:
    """Recordings of ``environment`` matching ``filters``, in the requested order.

    ``filters`` holds JSON-decoded query parameters (see ``filters.query_params_decode``),
    including ``query`` (the search language). ``user`` is whose views ``viewed:true`` and
    ``hide_viewed_recordings=current-user`` refer to (None: anyone's). Raises DRF
    ``ValidationError`` (400, ``attr`` = the parameter) for bad input. ``limit``/``offset`` are
    validated but not applied (pagination is the caller's).
    """
    query = recordings_query_parse(filters)
    return session_recordings_for_query(environment=environment, query=query, user=user)


def session_recordings_for_query(
    *, environment: Environment, query: RecordingsQuery, user: Any = None
) -> QuerySet[SessionRecording]:
    condition = recordings_query_condition(query=query, environment=environment, user=user)
    recordings = session_recordings_visible(environment=environment).filter(condition)
    if query.session_ids:
        positions = [When(session_id=sid, then=Value(index)) for index, sid in enumerate(query.session_ids)]
        return recordings.order_by(Case(*positions, output_field=IntegerField()), "id")
    return recordings.order_by(
        *order_by_clauses(environment=environment, order=query.order, direction=query.order_direction)
    )


SESSION_ID_MAX_LENGTH = SessionRecording._meta.get_field("session_id").max_length or 200


def session_recording_find(
    *, environment: Environment, session_id: str, annotations: Mapping[str, Any] | None = None
) -> SessionRecording | None:
    """THE way to get one recording: the environment's visible recording ``session_id``, or None.

    None when it never existed, was deleted, has expired, or when ``session_id`` is a value no
    recording can have (answered without a query). A Sentry replay is also found by its id dashed
    or in upper case (``replay_id_form``). Callers decide what None means to them
    (a 404 in the API, "nothing to do" in a service). ``annotations`` (expressions over the
    recording's row, e.g. a subquery of a related row) are read in the same query.
    """
    if not lookup_value_is_storable(session_id, max_length=SESSION_ID_MAX_LENGTH):
        return None
    candidates = [session_id]
    replay_id = replay_id_form(session_id)
    if replay_id is not None and replay_id != session_id:
        candidates.append(replay_id)
    recordings = session_recordings_visible(environment=environment).filter(session_id__in=candidates)
    if annotations:
        recordings = recordings.annotate(**annotations)
    found = {r.session_id: r for r in recordings}
    return next((found[candidate] for candidate in candidates if candidate in found), None)


def replay_id_form(value: str) -> str | None:
    """A Sentry replay id as stored (32 lowercase hex) when ``value`` is a UUID in any form.

    Sentry replays are stored under the 32-hex id the SDK sends; lookups accept it dashed or in
    upper case too. The id exactly as given wins (posthog-js session ids are dashed UUIDs)."""
    compact = value.replace("-", "")
    if len(compact) != 32 or len(value) not in (32, 36):
        return None
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return None


def person_display_name(person: Person, distinct_id: str) -> str:
    properties = person.properties if isinstance(person.properties, dict) else {}
    for key in ("email", "name", "username"):
        value = properties.get(key)
        if isinstance(value, str) and value:
            return value
    return distinct_id


@dataclass
class RecordingsEnrichment:
    """What the serializer needs beyond the row, loaded with a constant number of queries."""

    persons: dict[str, Person] = field(default_factory=dict)
    viewed: set[str] = field(default_factory=set)
    viewers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def session_recordings_enrichment(
    *, environment: Environment, recordings: Iterable[SessionRecording], user: Any
) -> RecordingsEnrichment:
    """Persons by distinct_id, the sessions ``user`` viewed, other viewers' emails (3 queries)."""
    rows = list(recordings)
    enrichment = RecordingsEnrichment()
    if not rows:
        return enrichment
    distinct_ids = {row.distinct_id for row in rows}
    links = PersonDistinctId.objects.filter(
        environment=environment, distinct_id__in=distinct_ids
    ).select_related("person")
    enrichment.persons = {link.distinct_id: link.person for link in links}
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    views = SessionRecordingViewed.objects.filter(
        environment=environment, session_id__in={row.session_id for row in rows}
    ).values_list("session_id", "user_id", "user__email")
    for session_id, viewer_id, email in views.order_by("created_at", "id"):
        if viewer_id == user_id:
            enrichment.viewed.add(session_id)
        else:
            enrichment.viewers[session_id].append(email)
    return enrichment


def session_recording_viewed_state(*, environment: Environment, session_id: str, user: Any) -> dict[str, Any]:
    views = SessionRecordingViewed.objects.filter(environment=environment, session_id=session_id)
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    viewed = user_id is not None and views.filter(user_id=user_id).exists()
    others = views.exclude(user_id=user_id) if user_id is not None else views
    return {"viewed": viewed, "other_viewers": others.count()}


SESSION_PROPERTY_KEYS = (
    "$os",
    "$browser",
    "$device_type",
    "$current_url",
    "$host",
    "$pathname",
    "$geoip_country_code",
    "$geoip_country_name",
)


def session_recordings_properties(
    *, environment: Environment, session_ids: list[str]
) -> list[dict[str, Any]]:
    """PostHog's ``properties`` action: a few properties of each session's first pageview."""
    recordings = session_recordings_visible(environment=environment).filter(session_id__in=session_ids)
    by_id = {row.session_id: row for row in recordings.only("session_id", "first_event_properties")}
    results = []
    for session_id in session_ids:
        row = by_id.get(session_id)
        if row is None:
            continue
        source = row.first_event_properties if isinstance(row.first_event_properties, dict) else {}
        properties = {key: source[key] for key in SESSION_PROPERTY_KEYS if key in source}
        results.append({"id": session_id, "properties": properties})
    return results


def session_recording_matching_events(
    *, environment: Environment, query: RecordingsQuery
) -> list[dict[str, Any]] | None:
    """Events of the one session in ``query.session_ids`` matching any event filter and all
    event-type property filters; None when the recording is not found."""
    session_id = (query.session_ids or [""])[0]
    if session_recording_find(environment=environment, session_id=session_id) is None:
        return None
    event_properties = [prop for prop in query.properties if prop.type == "event"]
    events = events_of_session(
        environment=environment,
        session_id=session_id,
        event_filters=query.events,
        properties=event_properties,
    )
    with database_rejections_as_400():
        rows = list(events.values_list("uuid", "timestamp", "event")[:MATCHING_EVENTS_LIMIT])
    return [{"uuid": str(uuid), "timestamp": timestamp, "event": event} for uuid, timestamp, event in rows]


def session_recordings_existing(*, environment: Environment, session_ids: list[str]) -> set[str]:
    """Which of ``session_ids`` are visible recordings of ``environment``."""
    rows = session_recordings_visible(environment=environment).filter(session_id__in=session_ids)
    return set(rows.values_list("session_id", flat=True))

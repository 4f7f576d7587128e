"""Persons of captured events: one ``Person`` per distinct id, properties from ``$set``/``$set_once``.

Rules (a small subset of PostHog's person processing, enough for a recording's ``person``):
- every distinct id seen (snapshots included) gets a person, created on first sight;
- ``properties.$set`` overwrites keys, ``$set_once`` only fills missing keys, ``$unset`` removes
  keys — skipped when the event says ``$process_person_profile: false`` (posthog-js's
  ``identified_only`` mode for anonymous users), which still links the distinct id;
- ``$identify`` with ``$anon_distinct_id`` links both ids to one person. When both already have
  different persons, the anonymous one is merged into the identified one only if it holds just
  that anonymous id (the simple case); otherwise both are left alone.
- ``last_seen_at`` is the latest event time, to the minute: it is written only when it moves by
  ``LAST_SEEN_RESOLUTION`` or more, so the stream of snapshot batches of a session does not
  rewrite (and lock) its person row every few seconds.

Concurrent first sightings of a distinct id are resolved by its unique constraint: the loser
re-reads the winner's person.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from recordings.models import Person, PersonDistinctId
from recordings_api.models import Environment
from snapshots.capture.payload import CaptureItem

logger = logging.getLogger(__name__)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
_DISTINCT_ID_MAX_LENGTH = PersonDistinctId._meta.get_field("distinct_id").max_length or 400


class _PersonCache:
    """Persons of this request by distinct id, and which ones changed."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.by_distinct_id: dict[str, Person] = {}
        self.dirty: dict[int, Person] = {}

    def preload(self, distinct_ids: set[str]) -> None:
        links = PersonDistinctId.objects.filter(
            environment=self.environment, distinct_id__in=distinct_ids
        ).select_related("person")
        for link in links:
            self.by_distinct_id[link.distinct_id] = link.person

    def get_or_create(self, distinct_id: str) -> Person:
        person = self.by_distinct_id.get(distinct_id)
        if person is None:
            person = _person_create(environment=self.environment, distinct_id=distinct_id)
            self.by_distinct_id[distinct_id] = person
        return person

    def mark(self, person: Person) -> None:
        self.dirty[person.pk] = person


def _person_create(*, environment: Environment, distinct_id: str) -> Person:
    try:
        with transaction.atomic():
            person = Person.objects.create(environment=environment)
            PersonDistinctId.objects.create(environment=environment, person=person, distinct_id=distinct_id)
            return person
    except IntegrityError:
        return (
            PersonDistinctId.objects.select_related("person")
            .get(environment=environment, distinct_id=distinct_id)
            .person
        )


def _apply_property_updates(person: Person, properties: dict[str, Any]) -> bool:
    before = dict(person.properties or {})
    merged = dict(before)
    set_once = properties.get("$set_once")
    if isinstance(set_once, dict):
        for key, value in set_once.items():
            merged.setdefault(key, value)
    updates = properties.get("$set")
    if isinstance(updates, dict):
        merged.update(updates)
    unset = properties.get("$unset")
    if isinstance(unset, list):
        for key in unset:
            merged.pop(str(key), None)
    person.properties = merged
    return merged != before


def _link(cache: _PersonCache, *, person: Person, distinct_id: str) -> None:
    try:
        with transaction.atomic():
            PersonDistinctId.objects.create(
                environment=cache.environment, person=person, distinct_id=distinct_id
            )
        cache.by_distinct_id[distinct_id] = person
    except IntegrityError:
        cache.preload({distinct_id})


def _merge_anonymous(cache: _PersonCache, *, identified: Person, anonymous: Person, anon_id: str) -> None:
    if PersonDistinctId.objects.filter(person=anonymous).exclude(distinct_id=anon_id).exists():
        logger.info("person_merge_skipped", extra={"person_id": anonymous.pk, "reason": "not_anonymous"})
        return
    with transaction.atomic():
        PersonDistinctId.objects.filter(person=anonymous).update(person=identified)
        identified.properties = {**(anonymous.properties or {}), **(identified.properties or {})}
        cache.dirty.pop(anonymous.pk, None)
        anonymous.delete()
    cache.by_distinct_id[anon_id] = identified
    cache.mark(identified)


def _identify(cache: _PersonCache, item: CaptureItem) -> None:
    anon_id = item.properties.get("$anon_distinct_id")
    if not isinstance(anon_id, str) or not anon_id or anon_id == item.distinct_id:
        return
    anon_id = anon_id[:_DISTINCT_ID_MAX_LENGTH]
    identified = cache.by_distinct_id.get(item.distinct_id)
    anonymous = cache.by_distinct_id.get(anon_id)
    if identified is None and anonymous is None:
        identified = cache.get_or_create(item.distinct_id)
        _link(cache, person=identified, distinct_id=anon_id)
    elif identified is None and anonymous is not None:
        _link(cache, person=anonymous, distinct_id=item.distinct_id)
    elif identified is not None and anonymous is None:
        _link(cache, person=identified, distinct_id=anon_id)
    elif identified is not None and anonymous is not None and identified.pk != anonymous.pk:
        _merge_anonymous(cache, identified=identified, anonymous=anonymous, anon_id=anon_id)


def _touch(cache: _PersonCache, person: Person, seen_at: datetime | None) -> None:
    if seen_at is None:
        return
    # A difference, not last_seen_at + resolution: that sum overflows for times near datetime.max.
    if person.last_seen_at is None or seen_at - person.last_seen_at >= LAST_SEEN_RESOLUTION:
        person.last_seen_at = seen_at
        cache.mark(person)


def persons_update(*, environment: Environment, items: Sequence[CaptureItem]) -> None:
    """Create/link persons for every distinct id in ``items`` and apply their property updates."""
    with_ids = [item for item in items if item.distinct_id]
    if not with_ids:
        return
    cache = _PersonCache(environment)
    cache.preload({item.distinct_id for item in with_ids})
    for item in with_ids:
        if item.event == "$identify":
            cache.preload({str(item.properties.get("$anon_distinct_id", ""))[:_DISTINCT_ID_MAX_LENGTH]})
            _identify(cache, item)
        person = cache.get_or_create(item.distinct_id)
        processes_profile = item.properties.get("$process_person_profile") is not False
        if not item.is_snapshot and processes_profile and _apply_property_updates(person, item.properties):
            cache.mark(person)
        _touch(cache, person, item.timestamp)
    for person in sorted(cache.dirty.values(), key=lambda p: p.pk):  # a stable lock order
        person.save(update_fields=["properties", "last_seen_at"])

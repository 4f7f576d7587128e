"""Persons of ingested events, applied in bulk and in log order.

Rules (the part of PostHog's person processing a recording's ``person`` needs):
- every distinct id seen (snapshots included) gets a person, created on first sight;
- ``set`` updates overwrite keys, ``set_once`` only fills missing keys, ``unset`` removes keys
  (the capture adapter emits none for ``$process_person_profile: false`` events);
- ``identify`` (``$identify`` with ``$anon_distinct_id``) and ``alias`` (``$create_alias``) link
  the other id to this person. When both ids already have different persons, the other one is
  merged into this one only if it holds just that one id (an anonymous person); an identified
  person is never merged implicitly. ``merge`` (``$merge_dangerously``) merges whatever it is.
  A merge moves the other person's ids here and keeps this person's properties where both have
  a key;
- ``last_seen_at`` is the latest event time, to the minute (``LAST_SEEN_RESOLUTION``), so a
  session's stream of snapshot batches does not rewrite its person row every few seconds.

Concurrency: the persons of a batch are locked (``select_for_update``) in distinct id order;
concurrent first sightings of one distinct id are settled by its unique constraint (the loser
drops its new person and uses the winner's).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from recordings.models import Group, Person, PersonDistinctId
from recordings.services.records import GroupUpdate, PersonUpdate
from recordings_api.bulk_writes import rows_update
from recordings_api.models import Environment

logger = logging.getLogger(__name__)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
DISTINCT_ID_MAX_LENGTH = PersonDistinctId._meta.get_field("distinct_id").max_length or 400


class _Persons:
    """The persons of one environment's updates, by distinct id, and which ones changed."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.by_distinct_id: dict[str, Person] = {}
        self.dirty: dict[int, Person] = {}

    def load(self, distinct_ids: set[str]) -> None:
        links = (
            PersonDistinctId.objects.select_for_update()
            .filter(environment=self.environment, distinct_id__in=sorted(distinct_ids))
            .select_related("person")
            .order_by("distinct_id")
        )
        for link in links:
            self.by_distinct_id[link.distinct_id] = link.person

    def create_missing(self, distinct_ids: set[str]) -> None:
        """A person for every distinct id without one (in bulk; races settled by the constraint)."""
        missing = sorted(distinct_ids - set(self.by_distinct_id))
        if not missing:
            return
        persons = Person.objects.bulk_create([Person(environment=self.environment) for _ in missing])
        links = [
            PersonDistinctId(environment=self.environment, person=person, distinct_id=distinct_id)
            for person, distinct_id in zip(persons, missing, strict=True)
        ]
        PersonDistinctId.objects.bulk_create(links, ignore_conflicts=True)
        self.load(set(missing))
        mine = {person.pk for person in persons}
        kept = {person.pk for person in self.by_distinct_id.values()}
        Person.objects.filter(pk__in=mine - kept).delete()  # lost a race: the winner's person is used

    def mark(self, person: Person) -> None:
        self.dirty[person.pk] = person


def _apply_properties(person: Person, update: PersonUpdate) -> bool:
    before = dict(person.properties or {})
    merged = dict(before)
    for key, value in update.set_once.items():
        merged.setdefault(key, value)
    merged.update(update.set)
    for key in update.unset:
        merged.pop(key, None)
    person.properties = merged
    return merged != before


def _link(persons: _Persons, *, person: Person, distinct_id: str) -> None:
    with transaction.atomic():
        PersonDistinctId.objects.bulk_create(
            [PersonDistinctId(environment=persons.environment, person=person, distinct_id=distinct_id)],
            ignore_conflicts=True,
        )
    persons.load({distinct_id})


def _merge(persons: _Persons, *, into: Person, other: Person, reason: str) -> None:
    PersonDistinctId.objects.filter(person=other).update(person=into)
    into.properties = {**(other.properties or {}), **(into.properties or {})}
    if other.last_seen_at and (into.last_seen_at is None or other.last_seen_at > into.last_seen_at):
        into.last_seen_at = other.last_seen_at
    persons.dirty.pop(other.pk, None)
    for distinct_id, person in list(persons.by_distinct_id.items()):
        if person.pk == other.pk:
            persons.by_distinct_id[distinct_id] = into
    other.delete()
    persons.mark(into)
    logger.info("person_merged", extra={"person_id": into.pk, "reason": reason})


def _relate(persons: _Persons, update: PersonUpdate) -> None:
    other_id = (update.other_id or "")[:DISTINCT_ID_MAX_LENGTH]
    if not other_id or other_id == update.distinct_id:
        return
    this = persons.by_distinct_id[update.distinct_id]
    other = persons.by_distinct_id.get(other_id)
    if other is None:
        _link(persons, person=this, distinct_id=other_id)
    elif other.pk != this.pk:
        anonymous = not PersonDistinctId.objects.filter(person=other).exclude(distinct_id=other_id).exists()
        if update.kind == "merge" or anonymous:
            _merge(persons, into=this, other=other, reason=update.kind)
        else:
            logger.info("person_merge_skipped", extra={"person_id": other.pk, "reason": "identified"})


def _touch(persons: _Persons, person: Person, seen_at: datetime | None) -> None:
    if seen_at is None:
        return
    # A difference, not last_seen_at + resolution: that sum overflows for times near datetime.max.
    if person.last_seen_at is None or seen_at - person.last_seen_at >= LAST_SEEN_RESOLUTION:
        person.last_seen_at = seen_at
        persons.mark(person)


def _environment_persons_apply(environment: Environment, updates: Sequence[PersonUpdate]) -> None:
    persons = _Persons(environment)
    mentioned = {update.distinct_id for update in updates}
    others = {(update.other_id or "")[:DISTINCT_ID_MAX_LENGTH] for update in updates if update.other_id}
    persons.load(mentioned | others)
    for update in updates:
        # An id identified (or aliased) before it had a person joins the other id's person,
        # which keeps its uuid, as in PostHog.
        other = persons.by_distinct_id.get((update.other_id or "")[:DISTINCT_ID_MAX_LENGTH])
        if (
            update.kind in ("identify", "alias")
            and other
            and update.distinct_id not in persons.by_distinct_id
        ):
            _link(persons, person=other, distinct_id=update.distinct_id)
    persons.create_missing(mentioned)
    for update in updates:
        if update.kind in ("identify", "alias", "merge"):
            _relate(persons, update)
        person = persons.by_distinct_id[update.distinct_id]
        if _apply_properties(person, update):
            persons.mark(person)
        _touch(persons, person, update.timestamp)
    dirty = sorted(persons.dirty.values(), key=lambda person: person.pk)
    rows_update(Person, dirty, ["properties", "last_seen_at"])


def persons_apply(*, updates: Sequence[PersonUpdate], environments: Mapping[int, Environment]) -> None:
    """Apply ``updates`` (log order) of known environments; must run inside a transaction."""
    by_environment: dict[int, list[PersonUpdate]] = {}
    for update in updates:
        if update.environment_id in environments and update.distinct_id:
            by_environment.setdefault(update.environment_id, []).append(update)
    for environment_id, environment_updates in sorted(by_environment.items()):
        _environment_persons_apply(environments[environment_id], environment_updates)


def groups_apply(*, updates: Sequence[GroupUpdate], environments: Mapping[int, Environment]) -> None:
    """``$groupidentify``: create each group or merge the properties it sets (later keys win)."""
    for update in updates:
        if update.environment_id not in environments:
            continue
        group, _ = Group.objects.select_for_update().get_or_create(
            environment_id=update.environment_id, group_type=update.group_type, group_key=update.group_key
        )
        properties: dict[str, Any] = {**(group.properties or {}), **update.set}
        if properties != group.properties:
            group.properties = properties
            group.save(update_fields=["properties", "updated_at"])

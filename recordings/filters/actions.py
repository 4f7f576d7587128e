"""Action filters: ``actions=[{"id": 12, "type": "actions", "properties": [...]}]``.

A recording matches an action filter when its session has an event matching the action (any of
its steps) and the entry's own property filters (``person`` ones on the event's person). An
action that is unknown in the environment, or deleted, is a 400 naming the parameter.

A step matches an event when every field it sets matches (PostHog's rules): ``event`` the event
name; ``url`` the event's ``$current_url`` (``url_matching``: ``contains`` by default, ``exact``,
``regex``); ``selector`` / ``tag_name`` the clicked element or its ancestors; ``text`` / ``href``
an element's text / link (``text_matching`` / ``href_matching``: ``exact`` by default,
``contains``, ``regex``); ``properties`` the event's property filters. A step setting nothing
matches every event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q

from recordings.conditions import invalid, json_property_condition
from recordings.filters.elements import element_event_condition
from recordings.filters.properties import (
    PropertyFilter,
    event_property_condition,
    person_property_condition,
    property_filters_parse,
)
from recordings.models import Action, SessionEvent
from recordings_api.models import Environment

# An action id given as text: digits, no leading zero, under 2**63 (the schema's own pattern).
ACTION_ID_PATTERN = "^[1-9][0-9]{0,17}$"
MATCHING_OPERATORS = {"contains": "icontains", "exact": "exact", "regex": "regex"}
STEP_TEXT_FIELDS = ("event", "url", "selector", "tag_name", "text", "href")
STEP_MATCHING_FIELDS = ("url_matching", "text_matching", "href_matching")
STEP_FIELDS = (*STEP_TEXT_FIELDS, *STEP_MATCHING_FIELDS, "properties")
STEP_PROPERTY_TYPES = ("event", "person", "element")


@dataclass(frozen=True)
class ActionFilter:
    action_id: int
    properties: tuple[PropertyFilter, ...]


def action_filters_parse(raw: Any, *, param: str = "actions") -> list[ActionFilter]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid(param, f"'{param}' must be a JSON array of action filters like [{{\"id\": 12}}].")
    return [_action_filter_parse(item, param=param) for item in raw]


def _action_filter_parse(item: Any, *, param: str) -> ActionFilter:
    if not isinstance(item, dict):
        raise invalid(
            param, f'Each entry of \'{param}\' must be an object like {{"id": 12, "type": "actions"}}.'
        )
    if item.get("type", "actions") != "actions":
        raise invalid(param, f"Entries of '{param}' must be of type 'actions', got {item.get('type')!r}.")
    action_id = item.get("id")
    if isinstance(action_id, str) and re.fullmatch(ACTION_ID_PATTERN, action_id):
        action_id = int(action_id)
    if isinstance(action_id, bool) or not isinstance(action_id, int) or not 0 < action_id < 2**63:
        raise invalid(param, f"An action filter's 'id' must be an action id, got {action_id!r}.")
    properties = property_filters_parse(item.get("properties"), param=param, types=STEP_PROPERTY_TYPES)
    return ActionFilter(action_id=action_id, properties=tuple(properties))


def _step_condition(step: dict[str, Any], *, param: str) -> Q:
    """A condition on ``SessionEvent`` rows for one step (steps are validated when saved)."""
    condition = Q()
    if step.get("event"):
        condition &= Q(event=step["event"])
    if step.get("url"):
        operator = MATCHING_OPERATORS[step.get("url_matching") or "contains"]
        condition &= json_property_condition("properties", "$current_url", operator, step["url"], param=param)
    if step.get("selector"):
        condition &= element_event_condition("selector", "exact", step["selector"], param=param)
    if step.get("tag_name"):
        condition &= element_event_condition("tag_name", "exact", step["tag_name"], param=param)
    for field in ("text", "href"):
        if step.get(field):
            operator = MATCHING_OPERATORS[step.get(f"{field}_matching") or "exact"]
            condition &= element_event_condition(field, operator, step[field], param=param)
    for prop in property_filters_parse(step.get("properties"), param=param, types=STEP_PROPERTY_TYPES):
        condition &= _event_level_condition(prop, param=param)
    return condition


def _event_level_condition(prop: PropertyFilter, *, param: str) -> Q:
    """A property filter on ``SessionEvent`` rows; a person filter is on the event's person."""
    if prop.type == "element":
        return element_event_condition(prop.key, prop.operator, prop.value, param=param)
    if prop.type == "person":
        # Events carry environment_id and distinct_id, the outer references it needs.
        return person_property_condition(prop, param=param)
    return event_property_condition(prop, param=param)


def action_event_condition(action: Action, *, param: str = "actions") -> Q:
    """``SessionEvent`` rows matching the action: any of its steps (no steps: no event)."""
    matched = Q(pk__in=[])
    for step in action.steps or []:
        if isinstance(step, dict):
            matched |= _step_condition(step, param=param)
    return matched


def action_condition(action_filter: ActionFilter, *, environment: Environment, param: str = "actions") -> Q:
    """A condition on recordings: some event of the session matches the action and the entry."""
    action = Action.objects.filter(environment=environment, id=action_filter.action_id, deleted=False).first()
    if action is None:
        raise invalid(param, f"Action {action_filter.action_id} does not exist in this project.")
    events = SessionEvent.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    ).filter(action_event_condition(action, param=param))
    for prop in action_filter.properties:
        events = events.filter(_event_level_condition(prop, param=param))
    return Q(Exists(events))

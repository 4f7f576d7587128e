"""PostHog property filters (``{"key", "value", "operator", "type"}``) → ``Q`` on recordings.

Types:

* ``person``: the person behind the recording's ``distinct_id`` (``Person.properties``).
  Negative operators mean "no person property matches", so recordings without a person match.
* ``event``: some event of the session (``SessionEvent.properties``) matches.
* ``session``: ``$session_duration`` (seconds), ``$entry_current_url`` (the start URL), any
  other key is read from the session's first pageview/autocapture properties.
* ``recording``: the PostHog face's filterable fields of the metric registry — metrics such as
  ``duration``/``recording_duration``, ``click_count`` or ``activity_score`` (numbers),
  ``snapshot_source``, ``start_url``, ``distinct_id`` (text) and ``visited_page`` (any URL of
  the recording).
* ``log_entry`` (``console_log_filters`` only): ``console_log_level`` with a list of levels
  (``info``/``log``, ``warn``, ``error``): recordings that logged at any of those levels.

* ``element``: some autocapture event's ``$elements_chain`` (``recordings.filters.elements``).

Anything else (cohort, group, hogql, …) is a 400 naming the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import Exact, In, IsNull

from recordings.conditions import (
    NUMERIC_OPERATORS,
    PROPERTY_OPERATORS,
    any_url_matches,
    checked_number,
    checked_regex,
    comparison,
    invalid,
    json_property_condition,
    like_literal,
    text_condition,
    value_as_text,
    values_list,
)
from recordings.filters.elements import element_property_condition
from recordings.metrics import NUMERIC_KINDS, FieldContext, filter_fields
from recordings.metrics.formulas import duration_expression
from recordings.models import PersonDistinctId, SessionEvent
from recordings_api.models import Environment

PROPERTY_TYPES = ("person", "event", "session", "recording", "element")
NEGATIVE_OPERATORS = {
    "is_not": "exact",
    "not_icontains": "icontains",
    "not_regex": "regex",
    "is_not_set": "is_set",
}

CONSOLE_LEVEL_FIELDS = {
    "info": "console_log_count",
    "log": "console_log_count",
    "warn": "console_warn_count",
    "error": "console_error_count",
}


@dataclass(frozen=True)
class PropertyFilter:
    key: str
    type: str
    operator: str
    value: Any


def property_filters_parse(
    raw: Any, *, param: str, types: tuple[str, ...] = PROPERTY_TYPES
) -> list[PropertyFilter]:
    """Validates a JSON array of property filters; 400 naming ``param`` when malformed."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid(param, f"'{param}' must be a JSON array of property filters.")
    return [_property_filter_parse(item, param=param, types=types) for item in raw]


def _property_filter_parse(item: Any, *, param: str, types: tuple[str, ...]) -> PropertyFilter:
    if not isinstance(item, dict):
        raise invalid(
            param, f"Each entry of '{param}' must be an object with 'key', 'value', 'operator', 'type'."
        )
    # A null (or absent) ``operator`` is ``exact``, a null ``type`` the parameter's default.
    key, operator, type_ = item.get("key"), item.get("operator"), item.get("type")
    operator = "exact" if operator is None else operator
    type_ = ("event" if "event" in types else types[0]) if type_ is None else type_
    if not isinstance(key, str) or not key:
        raise invalid(param, f"Each entry of '{param}' needs a non-empty string 'key'.")
    if not isinstance(type_, str) or type_ not in types:
        raise invalid(
            param, f"Property filter type {type_!r} is not supported in '{param}' (use one of {types})."
        )
    if not isinstance(operator, str) or operator not in PROPERTY_OPERATORS:
        raise invalid(param, f"Unknown operator {operator!r} in '{param}' (use one of {PROPERTY_OPERATORS}).")
    if operator in ("is_set", "is_not_set"):
        return PropertyFilter(key=key, type=type_, operator=operator, value=None)  # the value is not read
    _check_value(item, key=key, param=param)
    return PropertyFilter(key=key, type=type_, operator=operator, value=item["value"])


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _check_value(item: dict[str, Any], *, key: str, param: str) -> None:
    """A value is a string, number or boolean, or a list of them (any of)."""
    if "value" not in item:
        raise invalid(param, f"Property filter {key!r} in '{param}' needs a 'value'.")
    value = item["value"]
    if not (_is_scalar(value) or (isinstance(value, list) and all(_is_scalar(v) for v in value))):
        raise invalid(
            param,
            f"The value of property filter {key!r} in '{param}' must be a string, number or boolean, "
            "or a list of them.",
        )


def property_condition(prop: PropertyFilter, *, param: str, environment: Environment) -> Q:
    if prop.type == "person":
        return person_property_condition(prop, param=param)
    if prop.type == "event":
        return Q(Exists(_session_events().filter(event_property_condition(prop, param=param))))
    if prop.type == "session":
        return _session_condition(prop, param=param, environment=environment)
    if prop.type == "log_entry":
        return console_log_condition(prop, param=param)
    if prop.type == "element":
        return element_property_condition(prop.key, prop.operator, prop.value, param=param)
    return recording_condition(prop, param=param, environment=environment)


def person_property_condition(prop: PropertyFilter, *, param: str) -> Q:
    positive = NEGATIVE_OPERATORS.get(prop.operator)
    operator = positive or prop.operator
    persons = PersonDistinctId.objects.filter(
        environment_id=OuterRef("environment_id"), distinct_id=OuterRef("distinct_id")
    ).filter(json_property_condition("person__properties", prop.key, operator, prop.value, param=param))
    return ~Q(Exists(persons)) if positive else Q(Exists(persons))


def event_property_condition(prop: PropertyFilter, *, param: str) -> Q:
    """A condition on ``SessionEvent`` rows (used inside event sub-queries)."""
    return json_property_condition("properties", prop.key, prop.operator, prop.value, param=param)


def recording_condition(prop: PropertyFilter, *, param: str, environment: Environment) -> Q:
    field = filter_fields("posthog").get(prop.key)
    if field is None:
        raise invalid(param, f"Unknown recording property {prop.key!r} in '{param}'.")
    if field.kind == "urls":
        return urls_condition(prop.operator, prop.value, param=param)
    expression = field.sql(FieldContext(environment=environment))
    if field.kind in NUMERIC_KINDS:
        return numeric_condition(expression, prop.operator, prop.value, param=param)
    if prop.operator in ("is_set", "is_not_set"):
        present = ~Q(IsNull(expression, True)) & ~Q(Exact(expression, ""))
        return present if prop.operator == "is_set" else ~present
    return text_condition(expression, prop.operator, prop.value, param=param)


def numeric_condition(expression: Any, operator: str, value: Any, *, param: str) -> Q:
    if operator in NUMERIC_OPERATORS:
        return _numeric_lookup(expression, operator, value, param=param)
    if operator in ("exact", "is_not"):
        numbers = [checked_number(item, param=param, operator=operator) for item in values_list(value)]
        matched = Q(In(expression, numbers)) if len(numbers) != 1 else Q(Exact(expression, numbers[0]))
        return matched if operator == "exact" else ~matched
    raise invalid(param, f"Operator {operator!r} does not apply to a number in '{param}'.")


def _numeric_lookup(expression: Any, operator: str, value: Any, *, param: str) -> Q:
    return comparison(expression, operator, checked_number(value, param=param, operator=operator))


def urls_condition(operator: str, value: Any, *, param: str) -> Q:
    """Any URL of the recording (``urls`` JSON array) matches."""
    if operator in ("is_set", "is_not_set"):
        any_url = any_url_matches(["%"], "like")
        return any_url if operator == "is_set" else ~any_url
    positive = NEGATIVE_OPERATORS.get(operator, operator)
    if positive == "exact":
        matched = any_url_matches([like_literal(value_as_text(item)) for item in values_list(value)], "like")
    elif positive == "icontains":
        patterns = [f"%{like_literal(value_as_text(item))}%" for item in values_list(value)]
        matched = any_url_matches(patterns, "like")
    elif positive == "regex":
        matched = any_url_matches([checked_regex(item, param=param) for item in values_list(value)], "regex")
    else:
        raise invalid(param, f"Operator {operator!r} does not apply to 'visited_page' in '{param}'.")
    return ~matched if operator in NEGATIVE_OPERATORS else matched


def console_log_condition(prop: PropertyFilter, *, param: str) -> Q:
    if prop.key != "console_log_level":
        raise invalid(
            param,
            f"Console log filter {prop.key!r} is not supported: only 'console_log_level' "
            "(console messages are counted per level, not stored).",
        )
    if prop.operator not in ("exact", "is_not"):
        raise invalid(param, f"Operator {prop.operator!r} does not apply to 'console_log_level'.")
    levels = [value_as_text(level) for level in values_list(prop.value)]
    unknown = [level for level in levels if level not in CONSOLE_LEVEL_FIELDS]
    if unknown or not levels:
        raise invalid(
            param, f"Console log levels must be among {sorted(CONSOLE_LEVEL_FIELDS)}, got {levels!r}."
        )
    matched = Q(pk__in=[])
    for level in levels:
        matched |= Q(**{f"{CONSOLE_LEVEL_FIELDS[level]}__gt": 0})
    return matched if prop.operator == "exact" else ~matched


def _session_condition(prop: PropertyFilter, *, param: str, environment: Environment) -> Q:
    if prop.key == "$session_duration":
        return numeric_condition(duration_expression(), prop.operator, prop.value, param=param)
    if prop.key == "$entry_current_url":
        entry_url = PropertyFilter("start_url", "recording", prop.operator, prop.value)
        return recording_condition(entry_url, param=param, environment=environment)
    return json_property_condition("first_event_properties", prop.key, prop.operator, prop.value, param=param)


def _session_events() -> Any:
    return SessionEvent.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )

"""What an action's ``steps`` take: the document's schema of a step and the check that admits
exactly what it admits (PostHog's ``ActionStepJSON``).

A step is an object of the fields in ``STEP_FIELDS``, each optional and nullable: text fields
(``event``, ``url``, ``tag_name``, ``text``, ``href``) are strings without NUL (PostgreSQL's
JSONB cannot hold one); ``selector`` is empty or a CSS selector of ``STEP_SELECTOR_PATTERN``'s
grammar (tags, ``*``, ``.class``, ``#id``, ``[attr]``, ``[attr=value]``, joined by spaces and
``>``; ASCII names), which ``selector_regex`` compiles; ``*_matching`` is ``contains``,
``exact`` or ``regex``; ``properties`` a list of property filters, each ``key`` (non-empty),
``type`` (``event``, ``person``, ``element``; null: ``event``), ``operator`` (null:
``exact``) and ``value`` (a string, number or boolean, or a list of them; required
unless the operator is ``is_set`` / ``is_not_set``), and nothing else.

``steps_problem`` says why a value is not such a list (or None); it and ``STEPS_SCHEMA`` are
the one statement of the shape, so the document and the validation cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from recordings.conditions import PROPERTY_OPERATORS
from recordings.filters.actions import MATCHING_OPERATORS, STEP_FIELDS, STEP_PROPERTY_TYPES, STEP_TEXT_FIELDS
from recordings.filters.elements import selector_regex
from recordings.filters.properties import property_filters_parse
from recordings_api.strict_input import NO_NUL_PATTERN, json_value_problem

MAX_STEPS = 50
PRESENCE_OPERATORS = ("is_set", "is_not_set")
FILTER_FIELDS = ("key", "type", "operator", "value")

_NAME = "[A-Za-z0-9_-]+"
_QUOTED = "\"[^\"\\]\\x00]*\"|'[^'\\]\\x00]*'"
_BARE = "[A-Za-z0-9_./:#?&%=@+~-]+"
_ATTRIBUTE = f"\\[ *{_NAME} *(?:= *(?:{_QUOTED}|{_BARE}) *)?\\]"
_SIMPLE = f"(?:\\.{_NAME}|#{_NAME}|{_ATTRIBUTE})"
_COMPOUND = f"(?:(?:[A-Za-z][A-Za-z0-9_-]*|\\*){_SIMPLE}*|{_SIMPLE}+)"
# Compounds joined by spaces and ``>``; the pattern avoids ``\\s``, ``\\w`` and a closing ``$``,
# which JSON Schema's (ECMA-262) regular expressions and Python's read differently.
_SELECTOR = f" *{_COMPOUND}(?: *> *{_COMPOUND}| +{_COMPOUND})* *"
STEP_SELECTOR_PATTERN = f"^(?:{_SELECTOR})?$"  # empty: no selector
_SELECTOR_CHECK = re.compile(f"(?:{_SELECTOR})?")

_TEXT = {"type": "string", "nullable": True, "pattern": NO_NUL_PATTERN}
_SCALAR: list[dict[str, Any]] = [
    {"type": "string", "pattern": NO_NUL_PATTERN},
    {"type": "number"},
    {"type": "boolean"},
]
_VALUE = {
    "anyOf": [*_SCALAR, {"type": "array", "items": {"anyOf": _SCALAR}}],
    "description": "A string, number or boolean, or a list of them (any of); never null, as in the "
    "recordings list's filters.",
}


def _filter_schema(operators: list[str | None], *, required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": {
            "key": {"type": "string", "minLength": 1, "pattern": NO_NUL_PATTERN},
            "type": {"type": "string", "nullable": True, "enum": [*STEP_PROPERTY_TYPES, None]},
            "operator": {"type": "string", "nullable": None in operators, "enum": operators},
            "value": _VALUE,
        },
    }


_VALUED_OPERATORS = [name for name in PROPERTY_OPERATORS if name not in PRESENCE_OPERATORS]
PROPERTY_FILTER_SCHEMA = {
    "oneOf": [
        _filter_schema(list(PRESENCE_OPERATORS), required=["key", "operator"]),
        _filter_schema([*_VALUED_OPERATORS, None], required=["key", "value"]),
    ],
    "description": "A property filter; `value` is required unless `operator` is `is_set` / `is_not_set`.",
}
STEP_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **{name: _TEXT for name in STEP_TEXT_FIELDS},
        "selector": {"type": "string", "nullable": True, "pattern": STEP_SELECTOR_PATTERN},
        **{
            name: {"type": "string", "nullable": True, "enum": [*MATCHING_OPERATORS, None]}
            for name in ("url_matching", "text_matching", "href_matching")
        },
        "properties": {"type": "array", "nullable": True, "items": PROPERTY_FILTER_SCHEMA},
    },
    "description": "Matches an event when every field it sets matches (a step setting nothing: any event).",
}
STEPS_SCHEMA = {"type": "array", "maxItems": MAX_STEPS, "items": STEP_SCHEMA}


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _filter_problem(item: Any) -> str | None:
    """What ``property_filters_parse`` would let through that the schema refuses, or None."""
    if not isinstance(item, dict):
        return None  # its own message
    unknown = sorted(set(item) - set(FILTER_FIELDS))
    if unknown:
        return f"a property filter has an unknown field {unknown[0]!r}"
    if item.get("type") is not None and item["type"] not in STEP_PROPERTY_TYPES:
        return f"a property filter's 'type' must be one of {', '.join(STEP_PROPERTY_TYPES)} or null"
    if item.get("operator") is not None and item["operator"] not in PROPERTY_OPERATORS:
        return f"a property filter's 'operator' must be one of {', '.join(PROPERTY_OPERATORS)} or null"
    if "value" not in item:
        return None
    value = item["value"]
    if not (_is_scalar(value) or (isinstance(value, list) and all(map(_is_scalar, value)))):
        return "a property filter's 'value' must be a string, number or boolean, or a list of them"
    return None


def _step_problem(step: Any) -> str | None:
    if not isinstance(step, dict):
        return "must be an object"
    unknown = sorted(set(step) - set(STEP_FIELDS))
    if unknown:
        return f"has an unknown field {unknown[0]!r}"
    for name in STEP_TEXT_FIELDS:
        if step.get(name) is not None and not isinstance(step[name], str):
            return f"'{name}' must be a string or null"
    for name in ("url_matching", "text_matching", "href_matching"):
        if step.get(name) is not None and step[name] not in tuple(MATCHING_OPERATORS):
            return f"'{name}' must be one of {', '.join(MATCHING_OPERATORS)} or null"
    selector = step.get("selector")
    if selector is not None and not (isinstance(selector, str) and _SELECTOR_CHECK.fullmatch(selector)):
        return "'selector' must be a CSS selector of tags, *, .class, #id, [attr=value], spaces and '>'"
    properties = step.get("properties")
    filters = properties if isinstance(properties, list) else []
    return next(filter(None, map(_filter_problem, filters)), None)


def _compiled_problem(step: dict[str, Any]) -> str | None:
    """What the matching code itself refuses (a selector or filter it cannot compile), or None."""
    try:
        if step.get("selector"):
            selector_regex(step["selector"], param="steps")
        property_filters_parse(step.get("properties"), param="steps", types=STEP_PROPERTY_TYPES)
    except serializers.ValidationError as error:
        messages = error.detail.get("steps", error.detail) if isinstance(error.detail, dict) else error.detail
        return str(messages[0] if isinstance(messages, list) and messages else messages)
    return None


def steps_problem(value: Any) -> str | None:
    """Why ``value`` is not a list of steps ``STEPS_SCHEMA`` admits, or None (module doc)."""
    if not isinstance(value, list):
        return "Steps must be a list of objects."
    if len(value) > MAX_STEPS:
        return f"An action has at most {MAX_STEPS} steps."
    for index, step in enumerate(value):
        problem = _step_problem(step) or _compiled_problem(step)
        if problem is not None:
            return f"Step {index}: {problem}"
    problem = json_value_problem(value)
    return None if problem is None else f"Steps {problem}."

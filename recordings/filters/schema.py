"""The JSON Schemas of the recordings list's JSON-valued parameters: exactly what the parsers
(``params``, ``properties``, ``events``, ``actions``, ``comments``) accept, built from their own
constants so the document and the code cannot drift apart.

A property filter is valid for its ``type`` and ``operator`` together (``property_filter_schema``):
``is_set``/``is_not_set`` take any value (it is not read); the text operators a string, number,
boolean or null, or a list of them; ``regex``/``not_regex`` regular expressions; ``gt``/``gte``/
``lt``/``lte`` a number or a numeric string. Recording properties are the PostHog face's filter
fields of the metric registry, with the operators their kind takes; element filters take the
selector grammar (``elements.SELECTOR_PATTERN``). Keys of a filter object this service does not
read are allowed (PostHog's front end sends ``label``, ``name``, ``order``…) and ignored.
``COMPONENTS`` are the named schemas the parameters refer to (``#/components/schemas/…``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from recordings.conditions import NUMERIC_OPERATORS
from recordings.expressions import NUMBER_PATTERN
from recordings.filters.actions import ACTION_ID_PATTERN
from recordings.filters.comments import COMMENT_OPERATORS
from recordings.filters.elements import SELECTOR_PATTERN
from recordings.filters.params import MAX_SESSION_IDS
from recordings.filters.properties import CONSOLE_LEVEL_FIELDS
from recordings.metrics import NUMERIC_KINDS, filter_fields

# PostgreSQL text holds no NUL (the parsers' 400): every string a filter uses says so.
NO_NUL_PATTERN = "^[^\\u0000]*$"
TEXT: dict[str, Any] = {"type": "string", "pattern": NO_NUL_PATTERN}
_NULL: dict[str, Any] = {"type": "string", "nullable": True, "enum": [None]}
_SCALAR: dict[str, Any] = {"anyOf": [TEXT, {"type": "number"}, {"type": "boolean"}]}
_SCALARS: dict[str, Any] = {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR}]}
_NUMBER: dict[str, Any] = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": NUMBER_PATTERN}]}
_NUMBERS: dict[str, Any] = {"anyOf": [*_NUMBER["anyOf"], {"type": "array", "items": _NUMBER}]}
_REGEX: dict[str, Any] = {"type": "string", "format": "regex", "pattern": NO_NUL_PATTERN}
_REGEXES: dict[str, Any] = {"anyOf": [_REGEX, {"type": "array", "items": _REGEX}]}
# ``null`` and ``""`` are "not sent" for every JSON-valued parameter.
NOT_SENT: list[dict[str, Any]] = [_NULL, {"type": "string", "maxLength": 0}]

_SET = ("is_set", "is_not_set")
_TEXT_OPERATORS = ("exact", "is_not", "icontains", "not_icontains")
_REGEX_OPERATORS = ("regex", "not_regex")


def _choice(values: Sequence[str], *, nullable: bool = False) -> dict[str, Any]:
    """One of ``values`` (and null when ``nullable``). Wrapped in ``allOf`` so that drf-spectacular's
    enum postprocessing leaves these per-variant choice sets inline: each is a part of one filter
    schema, not a named enum of the API."""
    choices = [*values, *([None] if nullable else [])]
    return {"allOf": [{"type": "string", "enum": choices, **({"nullable": True} if nullable else {})}]}


def _operator(operators: tuple[str, ...], *, default: bool) -> dict[str, Any]:
    """``operator`` among ``operators``; null (or absent, unless stated required) is ``exact``."""
    return _choice(operators, nullable=default)


def _variant(
    types: tuple[str, ...], default_type: bool, key: dict[str, Any], operators: tuple[str, ...], value: Any
) -> dict[str, Any]:
    """Filter objects of these ``types``, ``key`` and ``operators``, with ``value`` (None: any)."""
    has_exact = "exact" in operators
    properties: dict[str, Any] = {
        "key": key,
        "type": _choice(types, nullable=default_type),
        "operator": _operator(operators, default=has_exact),
    }
    required = ["key"] + ([] if default_type else ["type"]) + ([] if has_exact else ["operator"])
    if value is not None:
        properties["value"] = value
        required.append("value")
    return {"type": "object", "properties": properties, "required": required}


def _one_or_many(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "items": item}]}


def _key(*names: str) -> dict[str, Any]:
    return _choice(names)


_ANY_KEY: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": NO_NUL_PATTERN}


def _json_property(types: tuple[str, ...], default_type: bool, key: dict[str, Any]) -> list[dict[str, Any]]:
    """A property of a JSON column (person, event, session first-event properties): every operator."""
    return [
        _variant(types, default_type, key, _SET, None),
        _variant(types, default_type, key, _TEXT_OPERATORS, _SCALARS),
        _variant(types, default_type, key, _REGEX_OPERATORS, _REGEXES),
        _variant(types, default_type, key, NUMERIC_OPERATORS, _NUMBER),
    ]


def _numeric(types: tuple[str, ...], default_type: bool, key: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _variant(types, default_type, key, NUMERIC_OPERATORS, _NUMBER),
        _variant(types, default_type, key, ("exact", "is_not"), _NUMBERS),
    ]


def _recording(default_type: bool) -> list[dict[str, Any]]:
    """``recording`` filters: a filter field of the metric registry, with the operators of its kind."""
    fields = filter_fields("posthog")
    numeric = tuple(name for name, field in fields.items() if field.kind in NUMERIC_KINDS)
    urls = tuple(name for name, field in fields.items() if field.kind == "urls")
    text = tuple(name for name in fields if name not in numeric and name not in urls)
    types = ("recording",)
    variants = _numeric(types, default_type, _key(*numeric))
    variants += [
        _variant(types, default_type, _key(*urls), _SET, None),
        _variant(types, default_type, _key(*urls), _TEXT_OPERATORS, _SCALARS),
        _variant(types, default_type, _key(*urls), _REGEX_OPERATORS, _REGEXES),
    ]
    return variants + _json_property(types, default_type, _key(*text))


def _element(default_type: bool) -> list[dict[str, Any]]:
    selector = {"type": "string", "pattern": SELECTOR_PATTERN}
    types, exact = ("element",), ("exact", "is_not")
    return [
        _variant(types, default_type, _key("selector"), exact, _one_or_many(selector)),
        _variant(types, default_type, _key("tag_name"), exact, _one_or_many(TEXT)),
        _variant(types, default_type, _key("text", "href"), _SET, None),
        _variant(types, default_type, _key("text", "href"), _TEXT_OPERATORS, _SCALARS),
        # One expression, searched within the value (``elements._value_regex``).
        _variant(types, default_type, _key("text", "href"), _REGEX_OPERATORS, _REGEX),
    ]


_SESSION_KEYS = ("$session_duration", "$entry_current_url")


def property_filter_schema(types: tuple[str, ...], default: str) -> dict[str, Any]:
    """One property filter of these ``types``; without ``type`` (or null) it is of type ``default``."""
    variants: list[dict[str, Any]] = []
    for type_ in types:
        is_default = type_ == default
        if type_ in ("person", "event"):
            variants += _json_property((type_,), is_default, _ANY_KEY)
        elif type_ == "session":
            other = {**_ANY_KEY, "not": {"enum": list(_SESSION_KEYS)}}
            variants += _numeric((type_,), is_default, _key("$session_duration"))
            variants += _json_property((type_,), is_default, other)
            entry_url = _key("$entry_current_url")
            variants += [
                _variant((type_,), is_default, entry_url, _SET, None),
                _variant((type_,), is_default, entry_url, _TEXT_OPERATORS, _SCALARS),
                _variant((type_,), is_default, entry_url, _REGEX_OPERATORS, _REGEXES),
                _variant((type_,), is_default, entry_url, NUMERIC_OPERATORS, _NUMBER),
            ]
        elif type_ == "recording":
            variants += _recording(is_default)
        elif type_ == "element":
            variants += _element(is_default)
    return {"anyOf": variants}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(items: dict[str, Any], *, max_items: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items}
    if max_items is not None:
        schema["maxItems"] = max_items
    return {"anyOf": [schema, *NOT_SENT]}


EVENT_PROPERTY_TYPES = ("event", "person", "element")
LOG_LEVEL = _choice(sorted(CONSOLE_LEVEL_FIELDS))
_LOG_ENTRY = {
    "type": "object",
    "properties": {
        "key": _key("console_log_level"),
        "type": _choice(("log_entry",), nullable=True),
        "operator": _operator(("exact", "is_not"), default=True),
        "value": {"anyOf": [LOG_LEVEL, {"type": "array", "items": LOG_LEVEL, "minItems": 1}]},
    },
    "required": ["key", "value"],
}
_NAME = {"anyOf": [TEXT, _NULL]}
_NESTED_FILTERS = {"anyOf": [{"type": "array", "items": _ref("RecordingsEventPropertyFilter")}, _NULL]}
_EVENT_FILTER = {
    "type": "object",
    "properties": {
        "type": _key("events"),
        "properties": _NESTED_FILTERS,
    },
    # ``id`` names the event (null or "All events": any); without ``id``, ``name`` does.
    "anyOf": [
        {"properties": {"id": _NAME}, "required": ["id"]},
        {"properties": {"name": _NAME}, "not": {"required": ["id"]}},
    ],
}
_ACTION_FILTER = {
    "type": "object",
    "properties": {
        "id": {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                {"type": "string", "pattern": ACTION_ID_PATTERN},
            ],
            "description": "An action of this environment (`…/actions/`).",
        },
        "type": _key("actions"),
        "properties": _NESTED_FILTERS,
    },
    "required": ["id"],
}
_COMMENT_FILTER = _variant(
    ("recording",),
    True,
    _key("comment_text"),
    tuple(op for op in COMMENT_OPERATORS if op not in _SET),
    _SCALARS,
)
_COMMENT_SET = _variant(("recording",), True, _key("comment_text"), _SET, None)
_IDS_ITEM: dict[str, Any] = _SCALAR


COMPONENTS: dict[str, dict[str, Any]] = {
    "RecordingsPropertyFilter": property_filter_schema(
        ("event", "person", "session", "recording", "element"), "event"
    ),
    "RecordingsEventPropertyFilter": property_filter_schema(EVENT_PROPERTY_TYPES, "event"),
    "RecordingsRecordingFilter": property_filter_schema(("recording",), "recording"),
    "RecordingsEventFilter": _EVENT_FILTER,
    "RecordingsActionFilter": _ACTION_FILTER,
}


# Comma-separated ids as one text: some id / exactly one id (spaces around ids are trimmed).
_SOME_IDS_TEXT = "^[^\\u0000]*[^\\u0000,\\s][^\\u0000]*$"
_ONE_ID_TEXT = "^[\\s,]*[^\\u0000,\\s](?:[^\\u0000,]*[^\\u0000,\\s])?[\\s,]*$"


def ids_schema(*, count: str = "any") -> dict[str, Any]:
    """Ids (session or distinct ids): a JSON array of them, one id (a number, a boolean: its JSON
    text) or a comma-separated text of them. ``count``: ``any`` (at most ``MAX_SESSION_IDS``, null
    or empty: not sent), ``some`` (at least one) or ``one`` (exactly one)."""
    bounds = {"any": (0, MAX_SESSION_IDS), "some": (1, MAX_SESSION_IDS), "one": (1, 1)}[count]
    array = {"type": "array", "items": _IDS_ITEM, "minItems": bounds[0], "maxItems": bounds[1]}
    text = {"any": TEXT, "some": {"type": "string", "pattern": _SOME_IDS_TEXT}}.get(
        count, {"type": "string", "pattern": _ONE_ID_TEXT}
    )
    scalars = [{"type": "number"}, {"type": "boolean"}]
    return {"anyOf": [array, text, *scalars, *(NOT_SENT[:1] if count == "any" else [])]}


JSON_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "events": _list_of(_ref("RecordingsEventFilter")),
    "actions": _list_of(_ref("RecordingsActionFilter")),
    "properties": _list_of(_ref("RecordingsPropertyFilter")),
    "console_log_filters": _list_of(_LOG_ENTRY),
    "having_predicates": _list_of(_ref("RecordingsRecordingFilter")),
    "duration": _list_of(_ref("RecordingsRecordingFilter")),
    "comment_text": {
        "anyOf": [
            _COMMENT_FILTER,
            _COMMENT_SET,
            {
                "type": "array",
                "items": {"anyOf": [_COMMENT_FILTER, _COMMENT_SET]},
                "minItems": 1,
                "maxItems": 1,
            },
            *NOT_SENT,
        ]
    },
    "filter_test_accounts": {"anyOf": [{"type": "boolean"}, *NOT_SENT]},
    "session_ids": ids_schema(),
    "distinct_ids": ids_schema(),
}

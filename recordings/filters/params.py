"""Validation of the recordings list parameters into a typed ``RecordingsQuery``.

Input is a mapping of parameter → value where the JSON-valued parameters (``JSON_PARAMS``) have
been JSON-decoded PostHog style (``query_params_decode``: ``json.loads``-ed when it parses, else
kept as the raw string) and the text ones are the text sent. Unknown parameters are a 400 naming
the parameter; parameters PostHog's front end sends for its own plumbing (``IGNORED_PARAMS``) are
accepted and ignored. What the filters use must be storable text (no NUL, no lone surrogate);
parts of a filter this service ignores (extra keys of a filter object) are not looked at.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from recordings.conditions import invalid
from recordings.filters.actions import ActionFilter, action_filters_parse
from recordings.filters.comments import comment_text_parse
from recordings.filters.dates import date_parse
from recordings.filters.events import EventFilter, event_filters_parse
from recordings.filters.ordering import DEFAULT_ORDER, ORDER_DIRECTIONS, ORDERS
from recordings.filters.properties import PropertyFilter, property_filters_parse

MAX_SESSION_IDS = 1_000
FILTER_PARAMS = (
    "date_from",
    "date_to",
    "events",
    "actions",
    "properties",
    "console_log_filters",
    "having_predicates",
    "duration",
    "filter_test_accounts",
    "operand",
    "session_ids",
    "person_uuid",
    "distinct_ids",
    "distinct_id",
    "order",
    "order_direction",
    "query",
    "hide_viewed_recordings",
    "session_recording_id",
    "comment_text",
    "after",
    "limit",
    "offset",
)
IGNORED_PARAMS = frozenset(
    {
        "version",
        "hogql_filtering",
        "as_query",
        "add_events_to_property_queries",
        "kind",
        "modifiers",
        "tags",
        "response",
        "user_modified_filters",
        "personal_api_key",
        "format",
    }
)
HIDE_VIEWED_VALUES = ("current-user", "any-user")
# Parameters whose value is JSON (PostHog's front end JSON-encodes arrays, objects and booleans);
# every other parameter is text, taken as sent (PostHog's front end sends strings bare).
JSON_PARAMS = frozenset(
    {
        "events",
        "actions",
        "properties",
        "console_log_filters",
        "having_predicates",
        "duration",
        "comment_text",
        "filter_test_accounts",
        "session_ids",
        "distinct_ids",
        "limit",
        "offset",
    }
)
OPERANDS = ("AND", "OR")
# A person's UUID as PostHog writes it: 8-4-4-4-12 hex digits, either case.
UUID_PATTERN = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"


@dataclass(frozen=True)
class RecordingsQuery:
    date_from: datetime | None = None
    date_to: datetime | None = None
    events: list[EventFilter] = field(default_factory=list)
    actions: list[ActionFilter] = field(default_factory=list)
    properties: list[PropertyFilter] = field(default_factory=list)
    console_log_filters: list[PropertyFilter] = field(default_factory=list)
    having_predicates: list[PropertyFilter] = field(default_factory=list)
    operand: str = "AND"
    filter_test_accounts: bool = False
    session_ids: list[str] | None = None
    person_uuid: uuid.UUID | None = None
    distinct_ids: list[str] | None = None
    order: str = DEFAULT_ORDER
    order_direction: str = "DESC"
    query: str = ""
    hide_viewed_recordings: str | None = None
    session_recording_id: str | None = None
    comment_text: PropertyFilter | None = None


NUMBER_PARAMS = frozenset({"limit", "offset"})


def query_params_decode(params: Mapping[str, Any]) -> dict[str, Any]:
    """PostHog's ``query_as_params_to_dict`` for the JSON-valued parameters (``JSON_PARAMS``):
    each value is JSON-decoded when it parses, else kept as the raw text; text parameters keep
    the text sent (``date_from="-3d"`` is the quoted text, as PostHog's front end never quotes).

    A bare JSON number is kept as the raw text except for ``limit``/``offset`` (``distinct_ids=1.50``
    is ``"1.50"``, not ``1.5``). The last of repeated parameters wins; a parameter sent empty is
    left out (not sent).
    """
    decoded: dict[str, Any] = {}
    for key in params:
        raw = params[key] if not hasattr(params, "getlist") else params.getlist(key)[-1]
        if raw == "":
            continue
        if key not in JSON_PARAMS or not isinstance(raw, str):
            decoded[key] = raw
            continue
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):  # nesting past the decoder's limit: not JSON either
            value = raw
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        decoded[key] = raw if is_number and key not in NUMBER_PARAMS else value
    return decoded


def _is_unstorable(value: Any) -> bool:
    """Text no database column can hold: a NUL character or a lone surrogate (``"\\ud800"`` in JSON)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list | tuple):
        return any(_is_unstorable(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_is_unstorable(getattr(value, item.name)) for item in dataclasses.fields(value))
    return False


def recordings_query_parse(filters: Mapping[str, Any]) -> RecordingsQuery:
    """Validates ``filters``; raises DRF ``ValidationError`` whose ``attr`` is the bad parameter.

    A parameter sent empty (``events=``) or null counts as not sent.
    """
    _check_parameters(filters)
    filters = {key: value for key, value in filters.items() if value != ""}
    having = property_filters_parse(
        filters.get("having_predicates"), param="having_predicates", types=("recording",)
    )
    having += property_filters_parse(filters.get("duration"), param="duration", types=("recording",))
    query = RecordingsQuery(
        date_from=date_parse(filters.get("date_from"), param="date_from"),
        date_to=date_parse(filters.get("date_to"), param="date_to", end_of_day=True),
        events=event_filters_parse(filters.get("events")),
        actions=action_filters_parse(filters.get("actions")),
        properties=property_filters_parse(filters.get("properties"), param="properties"),
        console_log_filters=property_filters_parse(
            filters.get("console_log_filters"), param="console_log_filters", types=("log_entry",)
        ),
        having_predicates=having,
        operand=_choice(filters.get("operand"), "operand", OPERANDS, default="AND"),
        filter_test_accounts=_boolean(filters.get("filter_test_accounts"), "filter_test_accounts"),
        session_ids=_text_list(filters.get("session_ids"), "session_ids"),
        person_uuid=_uuid(filters.get("person_uuid"), "person_uuid"),
        distinct_ids=_distinct_ids(filters),
        order=_choice(filters.get("order"), "order", ORDERS, default=DEFAULT_ORDER, upper=False),
        order_direction=_choice(
            filters.get("order_direction"), "order_direction", ORDER_DIRECTIONS, default="DESC"
        ),
        query=_text(filters.get("query"), "query") or "",
        hide_viewed_recordings=_hide_viewed(filters.get("hide_viewed_recordings")),
        session_recording_id=_text(filters.get("session_recording_id"), "session_recording_id") or None,
        comment_text=comment_text_parse(filters.get("comment_text")),
    )
    _check_storable(query)
    return query


def _check_parameters(filters: Mapping[str, Any]) -> None:
    """Checks that apply to the parameter set as a whole, before any value is parsed."""
    unknown = [key for key in filters if key not in FILTER_PARAMS and key not in IGNORED_PARAMS]
    if unknown:
        raise invalid(
            unknown[0], f"Unknown parameter {unknown[0]!r}. Known parameters: {', '.join(FILTER_PARAMS)}."
        )
    for name in ("limit", "offset"):
        if filters.get(name, "") != "":
            _non_negative_int(filters[name], name, minimum=1 if name == "limit" else 0)


# ``RecordingsQuery`` fields holding what more than one parameter gave.
_FIELD_PARAMS = {"having_predicates": "having_predicates", "distinct_ids": "distinct_ids"}


def _check_storable(query: RecordingsQuery) -> None:
    """Refused here rather than as a database error (PostgreSQL text cannot hold NUL; no UTF-8 can
    hold a lone surrogate): text the filters use, wherever it came from."""
    for item in dataclasses.fields(query):
        if _is_unstorable(getattr(query, item.name)):
            name = _FIELD_PARAMS.get(item.name, item.name)
            raise invalid(
                name, f"'{name}' contains a null character or a lone surrogate, which is not allowed."
            )


def _text(value: Any, param: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise invalid(param, f"'{param}' must be a string, got {json.dumps(value)[:100]}.")


def _text_list(value: Any, param: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        value = [value]
    if len(value) > MAX_SESSION_IDS:
        raise invalid(param, f"'{param}' accepts at most {MAX_SESSION_IDS} values.")
    if any(item is None for item in value):
        raise invalid(param, f"'{param}' must not contain null.")
    return [str(_text(item, param)) for item in value]


def _distinct_ids(filters: Mapping[str, Any]) -> list[str] | None:
    plural = _text_list(filters.get("distinct_ids"), "distinct_ids")
    single = _text(filters.get("distinct_id"), "distinct_id")
    if single is None:
        return plural
    return [*(plural or []), single] if plural is not None else [single]


def _uuid(value: Any, param: str) -> uuid.UUID | None:
    text = _text(value, param)
    if not text:
        return None
    if not re.fullmatch(UUID_PATTERN, text):
        raise invalid(param, f"'{param}' must be a UUID (8-4-4-4-12 hex digits), got {text!r}.")
    return uuid.UUID(text)


def _boolean(value: Any, param: str) -> bool:
    """``true`` or ``false`` (JSON); null is not sent."""
    if value is None or isinstance(value, bool):
        return bool(value)
    raise invalid(param, f"'{param}' must be true or false, got {value!r}.")


def _choice(value: Any, param: str, choices: tuple[str, ...], *, default: str, upper: bool = True) -> str:
    """One of ``choices``; any case when ``upper`` (``any_case_pattern`` is its schema)."""
    if value is None or value == "":
        return default
    text = _text(value, param) or ""
    normalized = text.upper() if upper else text
    if normalized not in choices:
        raise invalid(param, f"'{param}' must be one of {', '.join(choices)}, got {text!r}.")
    return normalized


def any_case_pattern(choices: tuple[str, ...]) -> str:
    """The ``pattern`` of ASCII ``choices`` in any case, or empty (not sent)."""
    spelled = (
        "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in x) for x in choices
    )
    return f"^(?:{'|'.join(spelled)})?$"


def _hide_viewed(value: Any) -> str | None:
    if value in (None, "", "false"):
        return None
    if value not in HIDE_VIEWED_VALUES:
        raise invalid(
            "hide_viewed_recordings",
            f"'hide_viewed_recordings' must be one of {HIDE_VIEWED_VALUES}, got {value!r}.",
        )
    return str(value)


def _non_negative_int(value: Any, param: str, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid(param, f"'{param}' must be an integer of at least {minimum}, got {value!r}.")

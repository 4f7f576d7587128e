"""The searchable fields and how each kind of field turns a term into a ``Q``.

Kinds:

* numbers (``click_count:>5``, lists ``click_count:[1,2]``);
* durations in seconds with unit suffixes ``ms``, ``s``, ``m``/``min``, ``h``, ``d``, ``w``
  (``duration:>1h``; a bare number is seconds);
* text: ``key:value`` is exact and case-sensitive; a value containing ``*`` is a wildcard match
  of the whole value, case-insensitive; ``key:[a,b]`` is any of; comparisons are rejected;
* session properties (``browser``, ``os``, ``device_type``) and ``person.<property>``: text
  semantics, plus numeric comparisons (``person.age:>30``, ``browser.version:>=120``);
* URLs (``url``/``urls``): some visited URL matches (exact or wildcard, case-insensitive);
* booleans (``viewed``, ``ongoing``): ``true``/``false`` (also ``1``/``0``, ``yes``/``no``).

``!term`` negates; for text-like fields a missing value counts as "not equal".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone

from recordings import metrics
from recordings.expressions import NumberOrNull
from recordings.filters.conditions import json_text, wildcard_condition
from recordings.filters.properties import url_wildcard_condition
from recordings.models import PersonDistinctId, SessionRecordingViewed
from recordings.query_language.errors import QueryFieldError
from recordings.query_language.tokens import TermToken
from recordings_api.models import Environment

_COMPARISONS = {">": GreaterThan, ">=": GreaterThanOrEqual, "<": LessThan, "<=": LessThanOrEqual}
_DURATION = re.compile(r"^(?P<number>\d+(\.\d+)?)(?P<unit>ms|s|m|min|h|hr|d|w)?$")
_DURATION_SECONDS = {
    None: 1,
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "d": 86400,
    "w": 604800,
}
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class CompileContext:
    environment: Environment
    user: Any = None  # the requesting user, for ``viewed``; None means "viewed by anyone"


def _values(term: TermToken) -> tuple[str, ...]:
    return term.value if isinstance(term.value, tuple) else (term.value,)


def _field_error(term: TermToken, message: str) -> QueryFieldError:
    return QueryFieldError(message, term.position)


def _number(term: TermToken, raw: str) -> float:
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        raise _field_error(term, f"Could not parse value {raw!r} for '{term.key}': expected a number.")
    return number


class NumberField:
    kind = "number"

    def __init__(self, expression: Callable[[], Any]) -> None:
        self.expression = expression

    def parse(self, term: TermToken, raw: str) -> float:
        return _number(term, raw)

    def compile(self, term: TermToken, context: CompileContext) -> Q:
        numbers = [self.parse(term, raw) for raw in _values(term)]
        expression = self.expression()
        if term.operator != ":":
            if len(numbers) != 1:
                raise _field_error(
                    term, f"A list cannot be compared with '{term.operator}' for '{term.key}'."
                )
            condition = Q(_COMPARISONS[term.operator](expression, numbers[0]))
        else:
            condition = Q(In(expression, numbers)) if len(numbers) > 1 else Q(Exact(expression, numbers[0]))
        return ~condition if term.negated else condition


class DurationField(NumberField):
    kind = "duration"

    def parse(self, term: TermToken, raw: str) -> float:
        match = _DURATION.match(raw.strip())
        if not match:
            raise _field_error(
                term,
                f"Could not parse value {raw!r} for '{term.key}': "
                "expected a duration like 30s, 5m, 1h or 2d.",
            )
        return float(match["number"]) * _DURATION_SECONDS[match["unit"]]


class TextField:
    kind = "text"
    allows_comparison = False

    def __init__(self, text: Callable[[], Any]) -> None:
        self.text = text

    def matches(self, term: TermToken) -> Q:
        """The positive condition of ``term`` (its ``!`` is applied by ``compile``)."""
        text = self.text()
        if term.operator != ":":
            if not self.allows_comparison:
                raise _field_error(
                    term,
                    f"Invalid operator '{term.operator}' for '{term.key}': "
                    "a text field supports ':' and '!'.",
                )
            if not isinstance(term.value, str):
                raise _field_error(
                    term, f"A list cannot be compared with '{term.operator}' for '{term.key}'."
                )
            number = _number(term, term.value)
            return Q(_COMPARISONS[term.operator](NumberOrNull(text), number))
        condition: Q | None = None
        for raw in _values(term):
            single = wildcard_condition(text, raw) if "*" in raw else Q(Exact(text, raw))
            condition = single if condition is None else condition | single
        assert condition is not None
        return condition

    def compile(self, term: TermToken, context: CompileContext) -> Q:
        condition = self.matches(term)
        return (~condition | Q(IsNull(self.text(), True))) if term.negated else condition


class PropertyTextField(TextField):
    kind = "property"
    allows_comparison = True


class PersonField(PropertyTextField):
    kind = "person"

    def compile(self, term: TermToken, context: CompileContext) -> Q:
        persons = PersonDistinctId.objects.filter(
            environment_id=OuterRef("environment_id"), distinct_id=OuterRef("distinct_id")
        ).filter(self.matches(term))
        return ~Q(Exists(persons)) if term.negated else Q(Exists(persons))


class UrlsField:
    kind = "urls"

    def compile(self, term: TermToken, context: CompileContext) -> Q:
        if term.operator != ":":
            raise _field_error(
                term, f"Invalid operator '{term.operator}' for '{term.key}': URLs support ':' and '!'."
            )
        condition: Q | None = None
        for raw in _values(term):
            single = url_wildcard_condition(raw)
            condition = single if condition is None else condition | single
        assert condition is not None
        return ~condition if term.negated else condition


class BooleanField:
    kind = "boolean"

    def __init__(self, condition: Callable[[CompileContext], Q]) -> None:
        self.condition = condition

    def compile(self, term: TermToken, context: CompileContext) -> Q:
        raw = term.value.lower() if isinstance(term.value, str) else ""
        if term.operator != ":" or raw not in (*_TRUE, *_FALSE):
            raise _field_error(
                term, f"'{term.key}' is a boolean field: use {term.key}:true or {term.key}:false."
            )
        wanted = (raw in _TRUE) != term.negated
        condition = self.condition(context)
        return condition if wanted else ~condition


def _viewed(context: CompileContext) -> Q:
    views = SessionRecordingViewed.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )
    user = context.user
    if user is not None and getattr(user, "is_authenticated", False):
        views = views.filter(user_id=user.pk)
    return Q(Exists(views))


def _ongoing(context: CompileContext) -> Q:
    return Q(last_ingested_at__gte=timezone.now() - metrics.ONGOING_WINDOW)


def _session_property(key: str) -> PropertyTextField:
    return PropertyTextField(lambda: json_text("first_event_properties", key))


def _column(name: str) -> TextField:
    return TextField(lambda: F(name))


def _count(name: str) -> NumberField:
    return NumberField(lambda: F(name))


FIELDS: dict[str, Any] = {
    "duration": DurationField(metrics.duration_expression),
    "active_seconds": DurationField(metrics.active_seconds_expression),
    "inactive_seconds": DurationField(metrics.inactive_seconds_expression),
    "click_count": _count("click_count"),
    "keypress_count": _count("keypress_count"),
    "mouse_activity_count": _count("mouse_activity_count"),
    "console_log_count": _count("console_log_count"),
    "console_warn_count": _count("console_warn_count"),
    "console_error_count": _count("console_error_count"),
    "activity_score": NumberField(metrics.activity_score_expression),
    "url": UrlsField(),
    "start_url": _column("start_url"),
    "distinct_id": _column("distinct_id"),
    "id": _column("session_id"),
    "snapshot_source": _column("snapshot_source"),
    "browser": _session_property("$browser"),
    "browser.version": _session_property("$browser_version"),
    "os": _session_property("$os"),
    "os.version": _session_property("$os_version"),
    "device_type": _session_property("$device_type"),
    "viewed": BooleanField(_viewed),
    "ongoing": BooleanField(_ongoing),
}
ALIASES = {
    "count_errors": "console_error_count",
    "count_warnings": "console_warn_count",
    "count_infos": "console_log_count",
    "activity": "activity_score",
    "urls": "url",
    "session_id": "id",
    "browser.name": "browser",
    "os.name": "os",
    "device": "device_type",
    "user.id": "distinct_id",
    "user.email": "person.email",
}
PERSON_PREFIX = "person."


def field_for(term: TermToken) -> Any:
    key = ALIASES.get(term.key, term.key)
    if key.startswith(PERSON_PREFIX) and len(key) > len(PERSON_PREFIX):
        property_key = key[len(PERSON_PREFIX) :]
        return PersonField(lambda: json_text("person__properties", property_key))
    field = FIELDS.get(key)
    if field is None:
        known = ", ".join(sorted([*FIELDS, *ALIASES, "person.<property>"]))
        raise _field_error(term, f"Unsupported search field {term.key!r}. Supported fields: {known}.")
    return field

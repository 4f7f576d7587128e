"""Operator → condition building blocks shared by property filters and the query language.

Both the PostHog filters (``recordings.filters``) and the search language
(``recordings.query_language``) build their ``Q`` objects from these; neither imports the other.

Every function returns a ``Q`` over the model being filtered. Values are matched the way
PostHog matches string-typed properties: as text (a JSON ``30`` equals ``"30"``), with numeric
operators applied to numbers and numeric strings only. Negative operators (``is_not``,
``not_icontains``, ``not_regex``) also match rows where the property is absent, as PostHog does.
A regular expression is validated before it reaches the database so a bad one is a 400, never a
database error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Expression, Q, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    In,
    IRegex,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Regex,
)
from rest_framework.exceptions import ValidationError

from recordings.expressions import JSONArrayAnyMatch, NumberOrNull, number_or_null

TEXT_OPERATORS = (
    "exact",
    "is_not",
    "icontains",
    "not_icontains",
    "regex",
    "not_regex",
    "is_set",
    "is_not_set",
)
NUMERIC_OPERATORS = ("gt", "gte", "lt", "lte")
PROPERTY_OPERATORS = TEXT_OPERATORS + NUMERIC_OPERATORS
# The one map of comparison operators to lookups (PostHog's names; the search language's
# ``>``/``>=``/``<``/``<=`` translate through ``COMPARISON_SYMBOLS``).
COMPARISON_LOOKUPS = {"gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}
COMPARISON_SYMBOLS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}


def invalid(param: str, message: str) -> ValidationError:
    return ValidationError({param: [message]}, code="invalid_input")


def value_as_text(value: Any) -> str:
    """How a filter value compares with a stored property: JSON text for non-strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def values_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def checked_regex(pattern: Any, *, param: str) -> str:
    if not isinstance(pattern, str):
        raise invalid(param, f"A regular expression must be a string, got {pattern!r}.")
    try:
        re.compile(pattern)
    except re.error as error:
        raise invalid(param, f"Invalid regular expression {pattern!r}: {error}.") from None
    return pattern


def checked_number(value: Any, *, param: str, operator: str) -> float:
    number = number_or_null(value)
    if number is None:
        raise invalid(param, f"Operator '{operator}' needs a number, got {value!r}.")
    return number


def json_text(field: str, key: str) -> Expression:
    return Cast(KeyTextTransform(key, field), TextField())


def json_has_key(field: str, key: str) -> Q:
    return Q(**{f"{field}__has_key": key})


def text_condition(text: Any, operator: str, value: Any, *, param: str) -> Q:
    """``text`` is a text expression (NULL when absent); ``operator`` one of TEXT/NUMERIC ops."""
    if operator in ("exact", "is_not"):
        matched = _exact(text, value)
        return matched if operator == "exact" else (~matched | Q(IsNull(text, True)))
    if operator in ("icontains", "not_icontains"):
        matched = _any(IContains(text, value_as_text(item)) for item in values_list(value))
        return matched if operator == "icontains" else (~matched | Q(IsNull(text, True)))
    if operator in ("regex", "not_regex"):
        matched = _any(Regex(text, checked_regex(item, param=param)) for item in values_list(value))
        return matched if operator == "regex" else (~matched | Q(IsNull(text, True)))
    if operator in COMPARISON_LOOKUPS:
        number = checked_number(value, param=param, operator=operator)
        return Q(COMPARISON_LOOKUPS[operator](NumberOrNull(text), number))
    raise invalid(param, f"Operator '{operator}' is not supported here.")


def wildcard_condition(text: Any, pattern: str) -> Q:
    """``*`` wildcards, case-insensitive, matching the whole value."""
    return Q(IRegex(text, wildcard_regex(pattern)))


def wildcard_regex(pattern: str) -> str:
    return "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"


def json_property_condition(field: str, key: str, operator: str, value: Any, *, param: str) -> Q:
    """A PostHog property filter on key ``key`` of JSON field ``field`` (a path, may cross FKs)."""
    if operator == "is_set":
        return json_has_key(field, key)
    if operator == "is_not_set":
        return ~json_has_key(field, key)
    return text_condition(json_text(field, key), operator, value, param=param)


def _exact(text: Any, value: Any) -> Q:
    items = values_list(value)
    if not items:
        return Q(pk__in=[])
    matched = Q(In(text, [value_as_text(item) for item in items]))
    numbers = [n for n in (number_or_null(item) for item in items) if n is not None]
    for number in numbers:
        matched |= Q(Exact(NumberOrNull(text), number))
    return matched


def _any(conditions: Any) -> Q:
    """OR of lookup expressions; an empty input matches nothing."""
    combined: Q | None = None
    for condition in conditions:
        combined = Q(condition) if combined is None else combined | Q(condition)
    return combined if combined is not None else Q(pk__in=[])


def comparison(expression: Any, operator: str, number: float) -> Q:
    """``expression <operator> number`` for a PostHog operator name or a search symbol."""
    lookup = COMPARISON_LOOKUPS[COMPARISON_SYMBOLS.get(operator, operator)]
    return Q(lookup(expression, number))


# --- URLs: any string of the recording's ``urls`` JSON array ----------------------------------


def like_literal(text: str) -> str:
    """``text`` as a LIKE pattern matching exactly itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def any_url_matches(patterns: list[str], kind: Any) -> Q:
    """Some URL of the recording matches one of ``patterns`` (LIKE or regex; none: nothing)."""
    matched = Q(pk__in=[])
    for pattern in patterns:
        matched |= Q(JSONArrayAnyMatch("urls", pattern, kind))
    return matched


def url_wildcard_condition(pattern: str) -> Q:
    """Any URL matches a ``*`` wildcard pattern (whole value, case-insensitive)."""
    like = "%".join(like_literal(part) for part in pattern.split("*"))
    return Q(JSONArrayAnyMatch("urls", like, "like"))


# --- sessions: (environment id, session id) pairs ---------------------------------------------


def session_keys_condition(keys: Iterable[tuple[int, str]], prefix: str = "") -> Q:
    """Rows (with ``environment_id`` and ``session_id``, under ``prefix``) of any of these
    sessions: one ``IN`` per environment, ORed; no keys match nothing."""
    by_environment: dict[int, list[str]] = {}
    for environment_id, session_id in keys:
        by_environment.setdefault(environment_id, []).append(session_id)
    condition = Q(pk__in=[])
    for environment_id, session_ids in by_environment.items():
        condition |= Q(**{f"{prefix}environment_id": environment_id, f"{prefix}session_id__in": session_ids})
    return condition

"""How each kind of registry field turns a search term into a ``Q``.

The searchable fields and their names come from the metric registry (``recordings.metrics``),
per API face; this module only knows the kinds:

* count / score (``click_count:>5``, lists ``click_count:[1,2]``);
* duration, in seconds with unit suffixes ``ms``, ``s``, ``m``/``min``, ``h``, ``d``, ``w``
  (``duration:>1h``; a bare number is seconds);
* text: ``key:value`` is exact and case-sensitive; a value containing ``*`` is a wildcard match
  of the whole value, case-insensitive; ``key:[a,b]`` is any of; comparisons are rejected;
* property (session properties such as ``browser``) and ``person.<property>``: text semantics,
  plus numeric comparisons (``person.age:>30``, ``browser.version:>=120``);
* urls: some visited URL matches (exact or wildcard, case-insensitive);
* flag (``viewed``, ``ongoing``): ``true``/``false`` (also ``1``/``0``, ``yes``/``no``);
* strings, click and selector (``urls`` of the Sentry face, ``click.tag:button``,
  ``dead.selector:"button#buy"``): ``clicks``;
* id, viewer (``viewed_by_id``), tags and the Sentry face's catch-all (any other key is a
  tag): ``sentry_terms``.

Numbers take Sentry's ``k``/``m``/``b`` suffixes; every error names its problem (unknown field,
operator, value) so each face can word it (``errors``).

``!term`` negates; for text-like fields a missing value counts as "not equal".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import Exact, In, IsNull

from recordings.conditions import comparison, json_text, url_wildcard_condition, wildcard_condition
from recordings.expressions import NumberOrNull
from recordings.metrics import Face, FieldContext, RecordingField, search_fields
from recordings.models import PersonDistinctId
from recordings.query_language.clicks import click_condition, selector_condition, strings_condition
from recordings.query_language.errors import FieldProblem, QueryFieldError
from recordings.query_language.sentry_terms import id_condition, tag_condition, viewer_condition
from recordings.query_language.tokens import TermToken

_DURATION = re.compile(r"^(?P<number>\d+(\.\d+)?)(?P<unit>ms|s|min|m|hr|h|day|d|wk|w)?$")
_NUMBER_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9}
_DURATION_SECONDS = {
    None: 1,
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "d": 86400,
    "day": 86400,
    "w": 604800,
    "wk": 604800,
}
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
# Kinds whose condition depends on the term alone (``sentry_terms``).
_TERM_KINDS = {"id": id_condition, "viewer": viewer_condition}
# Person properties are open-ended, not registry fields: the faces that search them name a
# prefix (``person.email``) and may alias some (``user.email``).
PERSON_PREFIXES: dict[Face, str] = {"posthog": "person."}
PERSON_ALIASES: dict[Face, dict[str, str]] = {"posthog": {"user.email": "person.email"}}
# Faces where a key that is no field searches the tags (Sentry's catch-all), and free text too.
TAG_SEARCH_FACES: frozenset[Face] = frozenset({"sentry"})


@dataclass(frozen=True)
class CompileContext(FieldContext):
    face: Face = "posthog"


def _field_error(
    term: TermToken, message: str, problem: FieldProblem = "value", detail: str | None = None
) -> QueryFieldError:
    return QueryFieldError(message, term.position, key=term.key, problem=problem, detail=detail)


def _number(term: TermToken, raw: str) -> float:
    """A number, with Sentry's ``k``/``m``/``b`` suffixes (``2k`` = 2000)."""
    scale = _NUMBER_SUFFIXES.get(raw[-1:].lower(), 1.0) if len(raw) > 1 else 1.0
    try:
        number = float(raw[:-1] if scale != 1.0 else raw) * scale
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        raise _field_error(
            term,
            f"Could not parse value {raw!r} for '{term.key}': expected a number.",
            detail="Failed to parse float.",
        )
    return number


def _duration(term: TermToken, raw: str) -> float:
    match = _DURATION.match(raw.strip())
    if not match:
        raise _field_error(
            term,
            f"Could not parse value {raw!r} for '{term.key}': expected a duration like 30s, 5m, 1h or 2d.",
        )
    return float(match["number"]) * _DURATION_SECONDS[match["unit"]]


def _single(term: TermToken) -> str:
    if not isinstance(term.value, str):
        raise _field_error(
            term, f"A list cannot be compared with '{term.operator}' for '{term.key}'.", "operator"
        )
    return term.value


def number_condition(term: TermToken, expression: Any, *, durations: bool) -> Q:
    parse = _duration if durations else _number
    if term.operator != ":":
        condition = comparison(expression, term.operator, parse(term, _single(term)))
    else:
        numbers = [parse(term, raw) for raw in term.values]
        condition = Q(In(expression, numbers)) if len(numbers) > 1 else Q(Exact(expression, numbers[0]))
    return ~condition if term.negated else condition


def text_matches(term: TermToken, text: Any, *, comparable: bool) -> Q:
    """The positive condition of ``term`` on a text expression (its ``!`` is the caller's)."""
    if term.operator != ":":
        if not comparable:
            raise _field_error(
                term,
                f"Invalid operator '{term.operator}' for '{term.key}': a text field supports ':' and '!'.",
                "operator",
            )
        return comparison(NumberOrNull(text), term.operator, _number(term, _single(term)))
    condition = Q(pk__in=[])
    for raw in term.values:
        condition |= wildcard_condition(text, raw) if "*" in raw else Q(Exact(text, raw))
    return condition


def text_condition(term: TermToken, text: Any, *, comparable: bool) -> Q:
    condition = text_matches(term, text, comparable=comparable)
    return (~condition | Q(IsNull(text, True))) if term.negated else condition


def urls_condition(term: TermToken) -> Q:
    if term.operator != ":":
        raise _field_error(
            term,
            f"Invalid operator '{term.operator}' for '{term.key}': URLs support ':' and '!'.",
            "operator",
        )
    condition = Q(pk__in=[])
    for raw in term.values:
        condition |= url_wildcard_condition(raw)
    return ~condition if term.negated else condition


def flag_condition(term: TermToken, condition: Q) -> Q:
    raw = term.value.lower() if isinstance(term.value, str) else ""
    if term.operator != ":" or raw not in (*_TRUE, *_FALSE):
        raise _field_error(
            term,
            f"'{term.key}' is a boolean field: use {term.key}:true or {term.key}:false.",
            "operator" if term.operator != ":" else "value",
        )
    wanted = (raw in _TRUE) != term.negated
    return condition if wanted else ~condition


def person_condition(term: TermToken, property_key: str) -> Q:
    text = json_text("person__properties", property_key)
    persons = PersonDistinctId.objects.filter(
        environment_id=OuterRef("environment_id"), distinct_id=OuterRef("distinct_id")
    ).filter(text_matches(term, text, comparable=True))
    return ~Q(Exists(persons)) if term.negated else Q(Exists(persons))


def field_condition(term: TermToken, field: RecordingField, context: CompileContext) -> Q:
    """The condition of ``term`` on a registry field, by the field's kind."""
    if field.kind == "flag":
        return flag_condition(term, field.sql(context))
    if field.kind == "urls":
        return urls_condition(term)
    if field.kind == "strings":
        return strings_condition(term, field.sql(context))
    if field.kind == "click":
        return click_condition(term, field.sql(context))
    if field.kind == "selector":
        return selector_condition(term, field.sql(context))
    if field.kind in _TERM_KINDS:
        return _TERM_KINDS[field.kind](term)
    expression = field.sql(context)
    if field.kind in ("count", "score", "duration"):
        return number_condition(term, expression, durations=field.kind == "duration")
    return text_condition(term, expression, comparable=field.kind == "property")


def term_compile(term: TermToken, context: CompileContext) -> Q:
    """The condition of one term, on the face's fields; an unknown field is a ``QueryFieldError``."""
    aliases = PERSON_ALIASES.get(context.face, {})
    key = aliases.get(term.key, term.key)
    prefix = PERSON_PREFIXES.get(context.face)
    if prefix and key.startswith(prefix) and len(key) > len(prefix):
        return person_condition(term, key[len(prefix) :])
    fields = search_fields(context.face)
    field = fields.get(key)
    if field is None and context.face in TAG_SEARCH_FACES:
        return tag_condition(term)
    if field is None:
        known = sorted([*fields, *aliases, *([f"{prefix}<property>"] if prefix else [])])
        raise _field_error(
            term, f"Unsupported search field {term.key!r}. Supported fields: {', '.join(known)}.", "field"
        )
    return field_condition(term, field, context)

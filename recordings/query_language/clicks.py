"""Search terms over lists and click rows: the ``strings``, ``click`` and ``selector`` kinds.

- strings (``urls``, ``releases``, ``trace_ids``, ``error_ids``…): some element of the JSON array
  equals the value (case-insensitive) or matches a ``*`` wildcard; ``!`` means none does;
- click (``click.tag:button``, ``click.class:primary``, ``click.textContent:*Buy*``): some click
  row of the recording has that attribute (exact, or wildcard case-insensitive; lists are any
  of); ``!`` means no click row has it;
- selector (``click.selector:"button#buy.primary[data-testid='x']"``, ``dead.selector``,
  ``rage.selector``): ONE click row matches every part of a simple CSS selector — a tag, ``#id``,
  ``.class``es and ``[attribute="value"]`` for ``alt``, ``aria-label``, ``data-testid``
  (``data-test-id``), ``role``, ``title``, ``data-sentry-component``, ``id``, ``class`` — and,
  for ``dead.``/``rage.``, is a dead / rage click (Sentry's rule).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import Exact

from recordings.conditions import like_literal, wildcard_condition
from recordings.expressions import JSONArrayAnyMatch
from recordings.models import RecordingClick
from recordings.query_language.errors import QueryFieldError
from recordings.query_language.tokens import TermToken

_SELECTOR_ATTRIBUTES = {
    "alt": "alt",
    "aria-label": "aria_label",
    "data-testid": "testid",
    "data-test-id": "testid",
    "role": "role",
    "title": "title",
    "data-sentry-component": "component_name",
    "id": "element_id",
    "class": "classes",
}
_SIMPLE = re.compile(
    r"([a-zA-Z][a-zA-Z0-9-]*)|#([^\s#.\[\]]+)|\.([^\s#.\[\]]+)|\[\s*([a-zA-Z-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\]]*)\s*\]"
)


def _array_condition(column: str, raw: str) -> Q:
    pattern = "%".join(like_literal(part) for part in raw.split("*"))
    return Q(JSONArrayAnyMatch(column, pattern, "like"))


def strings_condition(term: TermToken, column: str) -> Q:
    term.equality_required()
    condition = Q(pk__in=[])
    for raw in term.values:
        condition |= _array_condition(column, raw)
    return ~condition if term.negated else condition


def _attribute_matches(attribute: str, raw: str) -> Q:
    if attribute == "classes":
        return _array_condition("classes", raw)
    column = F(attribute)
    return wildcard_condition(column, raw) if "*" in raw else Q(Exact(column, raw))


def _clicks_exist(condition: Q) -> Q:
    rows = RecordingClick.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    ).filter(condition)
    return Q(Exists(rows))


def click_condition(term: TermToken, attribute: str) -> Q:
    term.equality_required()
    matched = Q(pk__in=[])
    for raw in term.values:
        matched |= _attribute_matches(attribute, raw)
    exists = _clicks_exist(matched)
    return ~exists if term.negated else exists


def selector_parts(term: TermToken, selector: str) -> Q:
    """The click-row condition of one simple selector; raises ``QueryFieldError`` when invalid."""
    text, position, condition = selector.strip(), 0, Q()
    if not text:
        raise QueryFieldError(f"An empty selector for '{term.key}'.", term.position, key=term.key)
    while position < len(text):
        match = _SIMPLE.match(text, position)
        if match is None:
            raise QueryFieldError(
                f"Invalid selector {selector!r} for '{term.key}'.",
                term.position,
                key=term.key,
                detail="Invalid selector.",
            )
        tag, element_id, class_name, attribute, value = match.groups()
        if tag:
            condition &= Q(tag=tag.lower())
        elif element_id:
            condition &= Q(element_id=element_id)
        elif class_name:
            condition &= _array_condition("classes", class_name)
        else:
            column = _SELECTOR_ATTRIBUTES.get(attribute.lower())
            if column is None:
                raise QueryFieldError(
                    f"Unsupported attribute {attribute!r} in selector for '{term.key}'.",
                    term.position,
                    key=term.key,
                    detail=f"Unsupported attribute {attribute!r}.",
                )
            literal = value.strip()
            literal = literal[1:-1] if literal[:1] in ("'", '"') else literal
            condition &= _attribute_matches(column, literal)
        position = match.end()
    return condition


def selector_condition(term: TermToken, flags: dict[str, Any]) -> Q:
    term.equality_required()
    matched = Q(pk__in=[])
    for raw in term.values:
        matched |= selector_parts(term, raw)
    exists = _clicks_exist(matched & Q(**flags))
    return ~exists if term.negated else exists


def click_row_matches(term: TermToken, attribute: str) -> Q:
    """The condition on ``RecordingClick`` rows themselves (not recordings) of a click term,
    ignoring its ``!`` (the caller decides what a negation means over rows)."""
    term.equality_required()
    matched = Q(pk__in=[])
    for raw in term.values:
        matched |= _attribute_matches(attribute, raw)
    return matched


def selector_row_matches(term: TermToken, flags: dict[str, Any]) -> Q:
    """``click_row_matches`` for a selector term (``click.selector``, ``dead.selector``…)."""
    term.equality_required()
    matched = Q(pk__in=[])
    for raw in term.values:
        matched |= selector_parts(term, raw)
    return matched & Q(**flags)

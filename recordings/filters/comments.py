"""The ``comment_text`` filter: ``{"key": "comment_text", "type": "recording", "operator": …,
"value": …}`` (PostHog's), matching recordings by their comments (``RecordingComment``, not
deleted). Operators: ``is_set`` (any comment), ``is_not_set`` (none), ``exact``, ``icontains``
and their negations ``is_not`` / ``not_icontains`` (no comment matches); anything else is a 400.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q

from recordings.conditions import invalid, text_condition
from recordings.filters.properties import PropertyFilter, property_filters_parse
from recordings.models import RecordingComment

COMMENT_OPERATORS = ("is_set", "is_not_set", "exact", "is_not", "icontains", "not_icontains")
_NEGATIVE = {"is_not_set": "is_set", "is_not": "exact", "not_icontains": "icontains"}


def comment_text_parse(raw: Any, *, param: str = "comment_text") -> PropertyFilter | None:
    """The validated filter (a JSON object, or a one-element list of one), or None."""
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    if len(items) != 1:
        raise invalid(param, f"'{param}' takes one recording property filter.")
    [prop] = property_filters_parse(items, param=param, types=("recording",))
    if prop.key != "comment_text":
        raise invalid(param, f"'{param}' filters on the key 'comment_text', got {prop.key!r}.")
    if prop.operator not in COMMENT_OPERATORS:
        raise invalid(
            param,
            f"Operator {prop.operator!r} is not supported for '{param}' (use one of {COMMENT_OPERATORS}).",
        )
    return prop


def comment_text_condition(prop: PropertyFilter, *, param: str = "comment_text") -> Q:
    """Recordings with a live comment matching ``prop`` (negated operators: with none)."""
    positive = _NEGATIVE.get(prop.operator, prop.operator)
    comments = RecordingComment.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id"), deleted=False
    )
    if positive != "is_set":
        comments = comments.filter(text_condition(F("content"), positive, prop.value, param=param))
    return ~Q(Exists(comments)) if prop.operator in _NEGATIVE else Q(Exists(comments))

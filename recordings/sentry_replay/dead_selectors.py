"""Dead and rage clicks by element (``organizations/{org}/replay-selectors/``, reference §6.10).

Click rows that are dead or rage clicks are grouped by project and element (tag, id, classes,
role, alt, test id, aria-label, title) and counted; ``dom_element`` spells the element as
Sentry does. Filters: the environments (projects) asked for, the SDK ``environment`` strings,
the time range (click times) and ``query`` on the two counts (``count_dead_clicks:>2``…).
No sampling: the counts are exact. Errors are ``SelectorQueryError`` with Sentry's messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.lookups import Exact

from recordings.conditions import comparison
from recordings.models import RecordingClick, SessionRecording
from recordings.query_language import QueryError, query_parse
from recordings.query_language.parser import BoolNode, Node
from recordings.query_language.tokens import TermToken
from recordings_api.models import Environment

COUNT_FIELDS = ("count_dead_clicks", "count_rage_clicks")
SORTS = (*COUNT_FIELDS, *(f"-{name}" for name in COUNT_FIELDS))
GROUP_COLUMNS: tuple[str, ...] = ("environment_id", "tag", "element_id", "classes", "role", "alt")
GROUP_COLUMNS += ("testid", "aria_label", "title")


class SelectorQueryError(ValueError):
    """A selector query or sort that cannot run; ``str()`` is Sentry's message."""


@dataclass(frozen=True)
class SelectorFilters:
    environments: Sequence[Environment]
    sdk_environments: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    query: str = ""
    sort: str = "-count_dead_clicks"


def _term_condition(term: TermToken) -> Q:
    if term.key not in COUNT_FIELDS:
        raise SelectorQueryError(f"Unsupported search field: {term.key}")
    if isinstance(term.value, tuple):
        raise SelectorQueryError(f"Invalid operator specified for `{term.key}`")
    try:
        number = float(term.value)
    except ValueError as error:
        raise SelectorQueryError(
            f"Could not parse value for `{term.key}`. Detail: Failed to parse float."
        ) from error
    column = F(term.key)
    if term.operator == ":":
        condition = Q(Exact(column, number))
    else:
        condition = comparison(column, term.operator, number)
    return ~condition if term.negated else condition


def _node_condition(node: Node) -> Q:
    if isinstance(node, BoolNode):
        combined = _node_condition(node.children[0])
        for child in node.children[1:]:
            condition = _node_condition(child)
            combined = combined & condition if node.operator == "AND" else combined | condition
        return combined
    return _term_condition(node)


def selector_query_condition(text: str) -> Q | None:
    try:
        node = query_parse(text)
    except QueryError as error:
        raise SelectorQueryError(str(error)) from error
    return None if node is None else _node_condition(node)


def _rows(filters: SelectorFilters) -> QuerySet[RecordingClick]:
    rows = RecordingClick.objects.filter(environment__in=filters.environments).filter(
        Q(is_dead=True) | Q(is_rage=True)
    )
    if filters.sdk_environments:
        recordings = SessionRecording.objects.filter(
            environment__in=filters.environments, sdk_environment__in=filters.sdk_environments
        )
        rows = rows.filter(session_id__in=recordings.values("session_id"))
    if filters.start is not None:
        rows = rows.filter(timestamp__gte=filters.start)
    if filters.end is not None:
        rows = rows.filter(timestamp__lt=filters.end)
    return rows


def replay_selectors_list(*, filters: SelectorFilters, offset: int, limit: int) -> list[dict[str, Any]]:
    """Rows ``offset`` to ``offset + limit`` of the grouped counts, in ``filters.sort`` order
    (ties by element); raises ``SelectorQueryError`` for a bad query or sort."""
    if filters.sort not in SORTS:
        raise SelectorQueryError(f"The field `{filters.sort.lstrip('-')}` is not a sortable field.")
    condition = selector_query_condition(filters.query) if filters.query else None
    grouped = (
        _rows(filters)
        .values(*GROUP_COLUMNS)
        .annotate(
            count_dead_clicks=Count("id", filter=Q(is_dead=True)),
            count_rage_clicks=Count("id", filter=Q(is_rage=True)),
        )
    )
    if condition is not None:
        grouped = grouped.filter(condition)
    ordered = grouped.order_by(filters.sort, *GROUP_COLUMNS)
    return [selector_row(row) for row in ordered[offset : offset + limit]]


def dom_element(element: dict[str, Any]) -> str:
    """``tag#id.class…[role="…"][alt="…"][testid="…"][aria="…"][title="…"]`` (non-empty parts)."""
    text = element["tag"] + (f"#{element['id']}" if element["id"] else "")
    text += "".join(f".{name}" for name in element["class"])
    for key, label in (("role", "role"), ("alt", "alt"), ("testid", "testid"), ("aria_label", "aria")):
        if element[key]:
            text += f'[{label}="{element[key]}"]'
    return text + (f'[title="{element["title"]}"]' if element["title"] else "")


def selector_row(row: dict[str, Any]) -> dict[str, Any]:
    classes = row["classes"] if isinstance(row["classes"], list) else []
    element = {
        "alt": row["alt"],
        "aria_label": row["aria_label"],
        "class": [str(name) for name in classes],
        "id": row["element_id"],
        "project_id": row["environment_id"],
        "role": row["role"],
        "tag": row["tag"],
        "testid": row["testid"],
        "title": row["title"],
    }
    return {
        "count_dead_clicks": row["count_dead_clicks"],
        "count_rage_clicks": row["count_rage_clicks"],
        "dom_element": dom_element(element),
        "element": element,
        "project_id": row["environment_id"],
    }

"""A replay's clicked nodes (``…/replays/{id}/clicks/``, reference §6.8).

Rows are the replay's click rows with a node id and a tag, by time (then row id). ``query`` is
the click search of Sentry's endpoint: terms over ``click.*``, ``dead.selector`` and
``rage.selector`` (the metric registry's click fields of the Sentry face); since it exists to
find which rows made a replay match, every ``AND`` counts as ``OR`` and a negated term filters
nothing. Errors are ``ClickQueryError`` with Sentry's messages.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from recordings.metrics import RecordingField, search_fields
from recordings.models import RecordingClick
from recordings.query_language import CompileContext, QueryError, query_parse
from recordings.query_language.clicks import click_row_matches, selector_row_matches
from recordings.query_language.parser import BoolNode, Node
from recordings.query_language.tokens import TermToken
from recordings_api.models import Environment


class ClickQueryError(ValueError):
    """A click query that cannot run; ``str()`` is Sentry's message."""


def _click_fields() -> dict[str, RecordingField]:
    return {
        name: field for name, field in search_fields("sentry").items() if field.kind in ("click", "selector")
    }


def _term_condition(term: TermToken, fields: dict[str, RecordingField], context: CompileContext) -> Q | None:
    field = fields.get(term.key)
    if field is None:
        raise ClickQueryError(f"Unsupported search field: {term.key}")
    if term.operator != ":":
        raise ClickQueryError(f"Invalid operator specified for `{term.key}`")
    if term.negated:
        return None
    try:
        if field.kind == "selector":
            return selector_row_matches(term, field.sql(context))
        return click_row_matches(term, field.sql(context))
    except QueryError as error:
        raise ClickQueryError(f"Could not parse value for `{term.key}`.") from error


def _node_condition(node: Node, fields: dict[str, RecordingField], context: CompileContext) -> Q | None:
    if isinstance(node, BoolNode):
        conditions = [_node_condition(child, fields, context) for child in node.children]
        kept = [condition for condition in conditions if condition is not None]
        if not kept:
            return None
        combined = kept[0]
        for condition in kept[1:]:
            combined |= condition
        return combined
    return _term_condition(node, fields, context)


def click_query_condition(text: str, *, environment: Environment) -> Q | None:
    """The row condition of a click query (None: every row); raises ``ClickQueryError``."""
    try:
        node = query_parse(text)
    except QueryError as error:
        raise ClickQueryError(str(error)) from error
    if node is None:
        return None
    return _node_condition(node, _click_fields(), CompileContext(environment=environment, face="sentry"))


def replay_clicks_list(
    *, environment: Environment, session_id: str, query: str = ""
) -> QuerySet[RecordingClick]:
    """The replay's clicked nodes matching ``query``, by time; slice it to page."""
    rows = RecordingClick.objects.filter(
        environment=environment, session_id=session_id, node_id__isnull=False
    ).exclude(tag="")
    condition = click_query_condition(query, environment=environment) if query else None
    if condition is not None:
        rows = rows.filter(condition)
    return rows.order_by("timestamp", "id")

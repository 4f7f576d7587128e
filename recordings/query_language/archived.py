"""The Sentry face's search over archived (deleted) replays: a ``Q`` over their tombstones.

A deleted replay keeps only its id and project (``DeletedRecording``); Sentry serves it as a
placeholder whose other attributes are null or empty. A query holds for it as it would for that
placeholder under SQL's null semantics: ``is_archived`` and ``id`` terms are decided (with their
``!``); any other term, negated or not, does not hold, as no comparison with NULL does. So
``is_archived:true`` lists only the archived replays, and ``is_archived:false``,
``count_errors:>0`` or ``!browser.name:Firefox`` none of them.

Run it after ``query_compile`` accepted the text (that one raises the 400s); it raises only
what parsing raises.
"""

from __future__ import annotations

from django.db.models import Q

from recordings.metrics import search_fields
from recordings.query_language.compiler import node_compile
from recordings.query_language.dialects import DIALECTS
from recordings.query_language.fields import CompileContext, flag_condition
from recordings.query_language.parser import query_parse
from recordings.query_language.sentry_terms import id_condition
from recordings.query_language.tokens import TermToken

ARCHIVED_FLAG = "is_archived"
_HOLDS, _FAILS = Q(pk__isnull=False), Q(pk__in=[])


def _term(term: TermToken, context: CompileContext) -> Q:
    field = search_fields(context.face).get(term.key)
    if field is None:
        return _FAILS
    if field.kind == "id":
        return id_condition(term)
    if field.name == ARCHIVED_FLAG:
        return flag_condition(term, _HOLDS)
    return _FAILS


def archived_query_compile(text: str, context: CompileContext) -> Q | None:
    """The condition ``text`` sets on tombstones (``session_id`` is their column), or None when
    the query is empty (every archived replay)."""
    node = query_parse(text, DIALECTS[context.face])
    return None if node is None else node_compile(node, context, _term)

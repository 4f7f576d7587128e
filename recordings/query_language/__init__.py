"""A Sentry-style search query language for recordings (``?query=``).

``query_compile("count_errors:>2 AND duration:<1h", context)`` → a ``Q`` over
``SessionRecording``. Pipeline: ``tokens`` (text → tokens) → ``parser`` (tokens → tree of
``AND``/``OR`` nodes and terms) → ``compiler``, which compiles each term on the face's fields
of the metric registry (``recordings.metrics``) by their kind (``fields``). Each API face has
its dialect (``dialects``).
Every failure is a ``QueryError`` whose message names the position and what is wrong
(unsupported field, invalid operator for the field, unparseable value, syntax).
``archived_query_compile`` is the Sentry face's same query over deleted replays (``archived``).
"""

from __future__ import annotations

from django.db.models import Q

from recordings.query_language.archived import archived_query_compile
from recordings.query_language.compiler import node_compile
from recordings.query_language.dialects import DIALECTS
from recordings.query_language.errors import QueryError, QueryFieldError, QuerySyntaxError
from recordings.query_language.fields import CompileContext
from recordings.query_language.parser import query_parse

__all__ = [
    "CompileContext",
    "QueryError",
    "QueryFieldError",
    "QuerySyntaxError",
    "archived_query_compile",
    "query_compile",
    "query_parse",
]


def query_compile(text: str, context: CompileContext) -> Q | None:
    """The condition ``text`` describes, or None for an empty query; raises ``QueryError``.

    ``context.face`` picks the fields (the metric registry's) and the dialect (``dialects``)."""
    node = query_parse(text, DIALECTS[context.face])
    return None if node is None else node_compile(node, context)

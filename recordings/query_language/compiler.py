"""Compiler: the parsed tree → a Django ``Q`` over ``SessionRecording``."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from recordings.query_language.fields import CompileContext, term_compile
from recordings.query_language.parser import BoolNode, Node
from recordings.query_language.tokens import TermToken

TermCompiler = Callable[[TermToken, CompileContext], Q]


def node_compile(node: Node, context: CompileContext, term: TermCompiler = term_compile) -> Q:
    """``AND``/``OR`` of the children's conditions; each term becomes ``term(token, context)`` (the
    recordings' own term compiler unless another row set, such as tombstones, gives its own)."""
    if isinstance(node, BoolNode):
        conditions = [node_compile(child, context, term) for child in node.children]
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined & condition if node.operator == "AND" else combined | condition
        return combined
    return term(node, context)

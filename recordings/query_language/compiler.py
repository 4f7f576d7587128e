"""Compiler: the parsed tree → a Django ``Q`` over ``SessionRecording``."""

from __future__ import annotations

from django.db.models import Q

from recordings.query_language.fields import CompileContext, term_compile
from recordings.query_language.parser import BoolNode, Node


def node_compile(node: Node, context: CompileContext) -> Q:
    if isinstance(node, BoolNode):
        conditions = [node_compile(child, context) for child in node.children]
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined & condition if node.operator == "AND" else combined | condition
        return combined
    return term_compile(node, context)

"""Parser: tokens → a small boolean tree.

Grammar (``AND`` binds tighter than ``OR``; adjacent terms are ANDed, as in Sentry)::

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= primary (["AND"] primary)*
    primary := "(" or_expr ")" | term

In the Sentry dialect (``dialects``) explicit operators combine left to right instead::

    sequence:= primary ((["AND" | "OR"]) primary)*

where an explicit ``AND``/``OR`` joins the next primary to the group before it and a space
starts a new group; the groups are ANDed. An empty query matches everything (``None``). Nesting
deeper than ``MAX_DEPTH`` is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from recordings.query_language.dialects import DIALECTS, Dialect
from recordings.query_language.errors import QuerySyntaxError
from recordings.query_language.tokens import TermToken, Token, tokenize

MAX_DEPTH = 20


@dataclass(frozen=True)
class BoolNode:
    operator: Literal["AND", "OR"]
    children: tuple[Node, ...]


Node = BoolNode | TermToken


def query_parse(text: str, dialect: Dialect = DIALECTS["posthog"]) -> Node | None:
    tokens = tokenize(text, dialect)
    if not tokens:
        return None
    parser = _Parser(tokens, len(text), left_to_right=dialect.left_to_right)
    node = parser.or_expr(depth=0)
    if parser.index < len(tokens):
        token = tokens[parser.index]
        message = "Unbalanced ')'." if token.kind == ")" else f"Unexpected {token.kind!r}."
        raise QuerySyntaxError(message, token.position)
    return node


class _Parser:
    def __init__(self, tokens: list[Token], length: int, *, left_to_right: bool = False) -> None:
        self.tokens = tokens
        self.index = 0
        self.length = length
        self.left_to_right = left_to_right

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def sequence(self, depth: int) -> Node:
        """The Sentry dialect's left-to-right combination (module docstring)."""
        groups = [self.primary(depth)]
        while (token := self.peek()) is not None and token.kind != ")":
            if token.kind in ("AND", "OR"):
                self.index += 1
                groups[-1] = _joined(token.kind, groups[-1], self.primary(depth))
            else:
                groups.append(self.primary(depth))
        return groups[0] if len(groups) == 1 else BoolNode("AND", tuple(groups))

    def or_expr(self, depth: int) -> Node:
        if self.left_to_right:
            return self.sequence(depth)
        children = [self.and_expr(depth)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.index += 1
            children.append(self.and_expr(depth))
        return children[0] if len(children) == 1 else BoolNode("OR", tuple(children))

    def and_expr(self, depth: int) -> Node:
        children = [self.primary(depth)]
        while (token := self.peek()) is not None and token.kind in ("AND", "TERM", "("):
            if token.kind == "AND":
                self.index += 1
            children.append(self.primary(depth))
        return children[0] if len(children) == 1 else BoolNode("AND", tuple(children))

    def primary(self, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("The query ends where a term was expected.", self.length)
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise QuerySyntaxError(f"Parentheses nest deeper than {MAX_DEPTH} levels.", token.position)
            self.index += 1
            node = self.or_expr(depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QuerySyntaxError("Unbalanced '(': missing ')'.", token.position)
            self.index += 1
            return node
        if token.kind == "TERM" and token.term is not None:
            self.index += 1
            return token.term
        raise QuerySyntaxError(f"Expected a term or '(' but found {token.kind!r}.", token.position)


def _joined(operator: Literal["AND", "OR"], left: Node, right: Node) -> Node:
    """``left operator right``, flattening a chain of the same operator."""
    if isinstance(left, BoolNode) and left.operator == operator:
        return BoolNode(operator, (*left.children, right))
    return BoolNode(operator, (left, right))

"""Parser: tokens → a small boolean tree.

Grammar (``AND`` binds tighter than ``OR``; adjacent terms are ANDed, as in Sentry)::

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= primary (["AND"] primary)*
    primary := "(" or_expr ")" | term

An empty query matches everything (``None``). Nesting deeper than ``MAX_DEPTH`` is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from recordings.query_language.errors import QuerySyntaxError
from recordings.query_language.tokens import TermToken, Token, tokenize

MAX_DEPTH = 20


@dataclass(frozen=True)
class BoolNode:
    operator: Literal["AND", "OR"]
    children: tuple[Node, ...]


Node = BoolNode | TermToken


def query_parse(text: str) -> Node | None:
    tokens = tokenize(text)
    if not tokens:
        return None
    parser = _Parser(tokens, len(text))
    node = parser.or_expr(depth=0)
    if parser.index < len(tokens):
        token = tokens[parser.index]
        message = "Unbalanced ')'." if token.kind == ")" else f"Unexpected {token.kind!r}."
        raise QuerySyntaxError(message, token.position)
    return node


class _Parser:
    def __init__(self, tokens: list[Token], length: int) -> None:
        self.tokens = tokens
        self.index = 0
        self.length = length

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def or_expr(self, depth: int) -> Node:
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

"""Tokenizer of the search query language.

Tokens: ``(``, ``)``, the keywords ``AND`` / ``OR`` (upper case, as in Sentry; any case in the
Sentry dialect), and terms ``[!]key:[op]value`` where ``op`` is one of ``>=``, ``<=``, ``>``,
``<``, ``=`` or ``!=`` (or nothing for equality; ``!=`` negates) and ``value`` is a bare word, a
``"quoted string"`` (``\\"`` escapes a quote) or a list ``[a, "b c", d]``. A key is made of
letters, digits and ``_.$-``, or is ``tags[name]``, or (Sentry dialect) a quoted string. A bare
value ends at whitespace or ``)``. In the Sentry dialect a word or quoted phrase without a key
is free text (``dialects``). Positions are 0-based character offsets, reported in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from recordings.query_language.dialects import DIALECTS, FREE_TEXT_KEY, Dialect
from recordings.query_language.errors import QueryFieldError, QuerySyntaxError

MAX_QUERY_LENGTH = 2_000
COMPARISON_OPERATORS = (">=", "<=", ">", "<")
_TAG_KEY = "tags["
_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$-")

TokenKind = Literal["(", ")", "AND", "OR", "TERM"]


@dataclass(frozen=True)
class TermToken:
    key: str
    operator: str  # ":" for equality, else one of COMPARISON_OPERATORS
    value: str | tuple[str, ...]
    negated: bool
    position: int

    @property
    def values(self) -> tuple[str, ...]:
        """The term's value(s): a list term's members, else its one value."""
        return self.value if isinstance(self.value, tuple) else (self.value,)

    def equality_required(self) -> None:
        """Raises ``QueryFieldError`` unless the term is ``key:value`` (or ``!key:value``)."""
        if self.operator != ":":
            raise QueryFieldError(
                f"Invalid operator '{self.operator}' for '{self.key}': it supports ':' and '!'.",
                self.position,
                key=self.key,
                problem="operator",
            )


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    position: int
    term: TermToken | None = None


def tokenize(text: str, dialect: Dialect = DIALECTS["posthog"]) -> list[Token]:
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"The query is longer than {MAX_QUERY_LENGTH} characters.", 0)
    scanner = _Scanner(text, dialect)
    tokens: list[Token] = []
    while (token := scanner.next_token()) is not None:
        tokens.append(token)
    return tokens


class _Scanner:
    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.pos = 0
        self.dialect = dialect

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next_token(self) -> Token | None:
        while self.peek().isspace():
            self.pos += 1
        start, char = self.pos, self.peek()
        if not char:
            return None
        if char in "()":
            self.pos += 1
            return Token(kind=char, position=start)  # type: ignore[arg-type]
        return self._word_or_term(start)

    def _key(self) -> str:
        key_start = self.pos
        if self.text.startswith(_TAG_KEY, self.pos) and "]" in self.text[self.pos :]:
            self.pos = self.text.index("]", self.pos) + 1
            return self.text[key_start : self.pos]
        while self.peek() in _KEY_CHARS and self.peek():
            self.pos += 1
        return self.text[key_start : self.pos]

    def _word_or_term(self, start: int) -> Token:
        negated = self.peek() == "!"
        if negated:
            self.pos += 1
        if self.peek() == '"' and self.dialect.free_text:
            return self._quoted_key_or_text(start, negated)
        key = self._key()
        if self.peek() != ":":
            return self._keyword(start, key, negated)
        if not key:
            raise QuerySyntaxError("Expected a field name before ':'.", start)
        return self._term(start, key, negated)

    def _term(self, start: int, key: str, negated: bool) -> Token:
        self.pos += 1
        operator = self._operator()
        if operator == "!=":
            operator, negated = ":", not negated
        value = self._value(key)
        return Token(kind="TERM", position=start, term=TermToken(key, operator, value, negated, start))

    def _quoted_key_or_text(self, start: int, negated: bool) -> Token:
        phrase = self._quoted()
        if self.peek() == ":" and phrase:
            return self._term(start, phrase, negated)
        return self._free_text(start, phrase, negated)

    def _free_text(self, start: int, text: str, negated: bool) -> Token:
        term = TermToken(FREE_TEXT_KEY, ":", f"*{text}*", negated, start)
        return Token(kind="TERM", position=start, term=term)

    def _keyword(self, start: int, key: str, negated: bool) -> Token:
        end = self.pos
        while self.peek() and not self.peek().isspace() and self.peek() not in "()":
            end += 1
            self.pos += 1
        word = self.text[start:end]
        keyword = word.upper() if self.dialect.keywords_any_case else word
        if keyword in ("AND", "OR") and not negated:
            return Token(kind=keyword, position=start)  # type: ignore[arg-type]
        if self.dialect.free_text and word.lstrip("!"):
            return self._free_text(start, word.lstrip("!"), negated)
        if negated and not key:
            raise QuerySyntaxError("'!' negates one 'field:value' term, e.g. !browser:Chrome.", start)
        raise QuerySyntaxError(
            f"Free text search is not supported: {word!r} is not a 'field:value' term "
            '(quote values that contain spaces, e.g. browser:"Mobile Safari").',
            start,
        )

    def _operator(self) -> str:
        for operator in (*COMPARISON_OPERATORS, "!=", "="):
            if self.text.startswith(operator, self.pos):
                self.pos += len(operator)
                return ":" if operator == "=" else operator
        return ":"

    def _value(self, key: str) -> str | tuple[str, ...]:
        char = self.peek()
        if char == "[":
            return self._list(key)
        if char == '"':
            return self._quoted()
        value = self._bare()
        if not value:
            raise QuerySyntaxError(f"Expected a value after '{key}:'.", self.pos)
        return value

    def _bare(self, stop: str = "()") -> str:
        start = self.pos
        while self.peek() and not self.peek().isspace() and self.peek() not in stop:
            self.pos += 1
        return self.text[start : self.pos]

    def _quoted(self) -> str:
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise QuerySyntaxError("Unterminated quoted value.", start)
            self.pos += 1
            if char == "\\" and self.peek() in ('"', "\\"):
                chars.append(self.peek())
                self.pos += 1
            elif char == '"':
                return "".join(chars)
            else:
                chars.append(char)

    def _list(self, key: str) -> tuple[str, ...]:
        start = self.pos
        self.pos += 1
        items: list[str] = []
        while True:
            while self.peek().isspace():
                self.pos += 1
            item = self._quoted() if self.peek() == '"' else self._bare(stop=",]").strip()
            if not item:
                raise QuerySyntaxError(f"Empty item in the list of '{key}'.", self.pos)
            items.append(item)
            while self.peek().isspace():
                self.pos += 1
            char = self.peek()
            self.pos += 1
            if char == "]":
                return tuple(items)
            if char != ",":
                raise QuerySyntaxError(f"Unterminated list for '{key}' (expected ',' or ']').", start)

"""Errors of the query language; the API turns them into a 400 on the ``query`` parameter.

``str(error)`` is the PostHog face's message (with the position); ``sentry_message(text)`` says
it in Sentry's words, for the Sentry face: ``Unsupported search field: {key}``,
``Invalid operator specified for `{key}` ``, ``Could not parse value for `{key}`.`` (with
`` Detail: …`` when there is one), and for syntax ``Parse error at '…' (column N). This is
commonly caused by unmatched parentheses. Enclose any text in double quotes.``
"""

from __future__ import annotations

from typing import Literal

FieldProblem = Literal["field", "operator", "value"]


class QueryError(ValueError):
    """A query that cannot be run; ``str()`` is a message for the user, with the position."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} (at position {position})")

    def sentry_message(self, text: str) -> str:
        """The message in Sentry's words (the Sentry face answers it)."""
        return str(self)


class QuerySyntaxError(QueryError):
    """The text does not follow the grammar."""

    def sentry_message(self, text: str) -> str:
        column = (self.position or 0) + 1
        context = text[max(0, column - 5) : column] + text[column : column + 5]
        return (
            f"Parse error at '{context}' (column {column}). This is commonly caused by unmatched "
            "parentheses. Enclose any text in double quotes."
        )


class QueryFieldError(QueryError):
    """An unknown field, an operator the field does not support, or a value it cannot parse."""

    def __init__(
        self,
        message: str,
        position: int | None = None,
        *,
        key: str = "",
        problem: FieldProblem = "value",
        detail: str | None = None,
    ) -> None:
        super().__init__(message, position)
        self.key = key
        self.problem = problem
        self.detail = detail

    def sentry_message(self, text: str) -> str:
        if self.problem == "field":
            return f"Unsupported search field: {self.key}"
        if self.problem == "operator":
            return f"Invalid operator specified for `{self.key}`"
        detail = f" Detail: {self.detail}" if self.detail else ""
        return f"Could not parse value for `{self.key}`.{detail}"

"""Errors of the query language; the API turns them into a 400 on the ``query`` parameter."""

from __future__ import annotations


class QueryError(ValueError):
    """A query that cannot be run; ``str()`` is a message for the user, with the position."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} (at position {position})")


class QuerySyntaxError(QueryError):
    """The text does not follow the grammar."""


class QueryFieldError(QueryError):
    """An unknown field, an operator the field does not support, or a value it cannot parse."""

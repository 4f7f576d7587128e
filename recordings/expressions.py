"""Database expressions that behave the same on SQLite and PostgreSQL.

Recording filters compare JSON values (``first_event_properties``, ``Person.properties``),
match patterns against the ``urls`` JSON array and do arithmetic on timestamps. Django's own
lookups cover most of it; these fill the gaps with one SQL form per vendor:

* ``EpochSeconds(expr)``: seconds since 1970 as a float (``EXTRACT(EPOCH …)`` / ``julianday``);
  ``ImmutableEpochSeconds`` is the same value from immutable functions only (for generated
  columns and index expressions).
* ``NumberOrNull(expr)``: a JSON value or text as a number, NULL when it is not numeric, so a
  non-numeric property never matches ``gt``/``lt`` instead of raising a cast error (PostgreSQL)
  or comparing by type (SQLite).
* ``JSONArrayAnyMatch(field, pattern, kind)``: whether any string of a JSON array matches a
  LIKE pattern (case-insensitive) or a regular expression.

On SQLite ``NumberOrNull`` calls a function registered on every new connection by
``register_sqlite_functions`` (connected in ``RecordingsConfig.ready``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, Literal

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, FloatField, Func

NUMBER_PATTERN = r"^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$"
_NUMBER_RE = re.compile(NUMBER_PATTERN)
SQLITE_NUMBER_FUNCTION = "recordings_number_or_null"


def number_or_null(value: Any) -> float | None:
    """The Python twin of ``NumberOrNull``: numbers and numeric strings, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, str) and _NUMBER_RE.match(value):
        return float(value)
    return None


def register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: installs the SQL functions SQLite lacks."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(SQLITE_NUMBER_FUNCTION, 1, number_or_null, deterministic=True)


class EpochSeconds(Func):
    output_field = FloatField()
    template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"  # SQLite (and the default)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8")


class ImmutableEpochSeconds(EpochSeconds):
    """``EpochSeconds`` from immutable functions: on PostgreSQL the epoch of the interval since
    1970 (``EXTRACT(EPOCH FROM timestamptz)`` is stable, not immutable; the values are equal)."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "EXTRACT(EPOCH FROM (%(expressions)s - TIMESTAMPTZ '1970-01-01 00:00:00+00'))::float8"
        return Func.as_sql(self, compiler, connection, template=template)


class NumberOrNull(Func):
    """Expects a text expression (e.g. ``KeyTextTransform``)."""

    output_field = FloatField()
    template = f"{SQLITE_NUMBER_FUNCTION}(%(expressions)s)"  # SQLite (and the default)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        template = f"(CASE WHEN ({sql}) ~ %s THEN ({sql})::float8 ELSE NULL END)"
        return template, [*params, NUMBER_PATTERN, *params]


MatchKind = Literal["like", "regex"]


class JSONArrayAnyMatch(Expression):
    """True when some string element of the JSON array ``field`` matches ``pattern``.

    ``kind="like"``: a LIKE pattern (``%``/``_`` wildcards, ``\\`` escapes), case-insensitive.
    ``kind="regex"``: a regular expression (validate it first; see ``filters.values``).
    """

    output_field = BooleanField()
    conditional = True

    source: Any

    def __init__(self, field: str, pattern: str, kind: MatchKind) -> None:
        super().__init__(output_field=BooleanField())
        self.source = F(field)
        self.pattern = pattern
        self.kind = kind

    def get_source_expressions(self) -> list[Any]:
        return [self.source]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.source,) = exprs

    def resolve_expression(self, *args: Any, **kwargs: Any) -> JSONArrayAnyMatch:
        clone: JSONArrayAnyMatch = self.copy()
        clone.is_summary = kwargs.get("summarize", False)
        clone.source = self.source.resolve_expression(*args, **kwargs)
        return clone

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sqlite(compiler, connection, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source)
        condition = "je.value LIKE %s ESCAPE '\\'" if self.kind == "like" else "je.value REGEXP %s"
        sql = f"EXISTS (SELECT 1 FROM json_each({column}) AS je WHERE je.type = 'text' AND {condition})"
        return sql, [*params, self.pattern]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source)
        operator = "ILIKE" if self.kind == "like" else "~"
        sql = (
            f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof({column}) = 'array' "
            f"THEN {column} ELSE '[]'::jsonb END) AS je(value) WHERE je.value {operator} %s)"
        )
        return sql, [*params, *params, self.pattern]

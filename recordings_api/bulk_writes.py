"""Batched row writes on PostgreSQL: a whole batch as one ``json_to_recordset`` parameter.

The ORM's ``bulk_update`` builds one ``CASE WHEN pk = … THEN …`` per field per row, so a batch
of a few hundred recordings with forty fields becomes a statement of tens of thousands of terms
that PostgreSQL parses and plans on every call. Sending the rows as one JSON array and joining
against ``json_to_recordset`` keeps the statement text constant (prepared once per shape) and
the cost linear in the rows.

Invariants: values go through each field's ``get_db_prep_value`` and JSON, so what lands is what
the ORM would have written; ``GENERATED`` columns are never named (PostgreSQL computes them).
On other databases (SQLite in embedded mode) the ORM's ``bulk_update`` runs instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from django.db import connection
from django.db.models import Field, Model


def recordset(columns: Sequence[tuple[str, str]]) -> str:
    """``json_to_recordset(%s::json) AS v(name type, …)``: the row source of a batched write
    (``json``, not ``jsonb``: the array is read once, and parsing it as text is a third faster)."""
    typed = ", ".join(f"{connection.ops.quote_name(name)} {db_type}" for name, db_type in columns)
    return f"json_to_recordset(%s::json) AS v({typed})"


def recordset_param(rows: Sequence[object]) -> str:
    """The JSON array parameter of ``recordset``: dicts or dataclasses, one per row."""
    return orjson.dumps(rows, default=_json_default).decode()


def _json_default(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _column_type(field: Field[Any, Any]) -> str:
    db_type = field.db_type(connection) or "text"
    # json_to_recordset casts through the declared type; length limits are the table's business.
    return "text" if db_type.startswith("varchar") else db_type


def _prep(field: Field[Any, Any], value: Any) -> Any:
    if field.get_internal_type() == "JSONField":
        return value  # nested JSON as is: the column is jsonb
    return field.get_db_prep_value(value, connection, prepared=False)


def _concrete(model: type[Model], name: str) -> tuple[Field[Any, Any], str]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a stored column")
    return field, field.column


def rows_update(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of ``objects`` (saved rows of ``model``) back in one statement."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, list(fields), batch_size=500)
        return
    assert model._meta.pk is not None
    pk, pk_column = _concrete(model, model._meta.pk.name)
    columns = [_concrete(model, name) for name in fields]
    source = recordset([(pk_column, _column_type(pk)), *((column, _column_type(f)) for f, column in columns)])
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = v.{quote(column)}" for _, column in columns)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} FROM {source} "
        f"WHERE t.{quote(pk_column)} = v.{quote(pk_column)}"
    )
    rows = [
        {pk_column: _prep(pk, obj.pk), **{column: _prep(f, getattr(obj, f.attname)) for f, column in columns}}
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [recordset_param(rows)])

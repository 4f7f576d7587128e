"""Request bodies whose values must have the type the OpenAPI document gives them.

DRF coerces before it validates: ``0`` and ``"0"`` become ``False`` for a BooleanField, ``0``
becomes ``"0"`` for a CharField, ``"7"`` becomes ``7`` for an IntegerField, and a form's empty
string for an optional field reads as "not sent". The document says ``boolean`` / ``string`` /
``integer``, so a body that does not match is a 400 here, naming the field, before DRF sees it:

- JSON bodies: a boolean is ``true``/``false``, a string a string, an integer an integer (not a
  boolean), a number a number, an array an array (its items checked the same way), an object
  an object.
- Form and multipart bodies (every value is text): a boolean is ``true`` or ``false`` (any
  case), an integer a run of digits, and a non-blank string is not empty.

``null`` stays DRF's business (``allow_null``), as do lengths, ranges and choices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_FORM_BOOLEANS = frozenset({"true", "false"})
_FORM_INTEGER = re.compile(r"-?[0-9]+")


def _message(field: serializers.Field, key: str, value: Any, fallback: str) -> str:
    """The field's own DRF message for ``key`` (the one coercion failures already answer)."""
    template = field.error_messages.get(key)
    if template is None:
        return fallback
    try:
        return str(template).format(input_type=type(value).__name__, datatype=type(value).__name__)
    except (KeyError, IndexError):
        return fallback


def _json_type_problem(field: serializers.Field, value: Any) -> str | None:
    """Why ``value`` (from a JSON body) is not of ``field``'s documented type, or None."""
    if value is None:
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _message(field, "invalid", value, "Must be a boolean.")
    if isinstance(field, serializers.IntegerField | serializers.FloatField | serializers.DecimalField):
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(field, serializers.IntegerField):
            is_number = is_number and isinstance(value, int)
        return None if is_number else _message(field, "invalid", value, "Must be a number.")
    if isinstance(field, serializers.CharField | serializers.DateTimeField | serializers.DateField):
        return None if isinstance(value, str) else _message(field, "invalid", value, "Not a valid string.")
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        if not isinstance(value, list):
            return _message(field, "not_a_list", value, "Expected a list of items.")
        child = field.child
        problems = (_json_type_problem(child, item) for item in value) if child is not None else ()
        return next((problem for problem in problems if problem), None)
    if isinstance(field, serializers.DictField | serializers.Serializer):
        return None if isinstance(value, dict) else _message(field, "not_a_dict", value, "Must be an object.")
    return None


def _form_type_problem(field: serializers.Field, value: str) -> str | None:
    """Why ``value`` (one value of a form field) is not of ``field``'s documented type, or None."""
    if isinstance(field, serializers.BooleanField):
        is_boolean = value.lower() in _FORM_BOOLEANS
        return None if is_boolean else _message(field, "invalid", value, "Must be true or false.")
    if isinstance(field, serializers.IntegerField):
        is_integer = _FORM_INTEGER.fullmatch(value)
        return None if is_integer else _message(field, "invalid", value, "Must be an integer.")
    if isinstance(field, serializers.CharField) and not field.allow_blank and value == "":
        return _message(field, "blank", value, "This field may not be blank.")
    return None


MAX_JSON_DEPTH = 32


def json_value_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a parsed JSON value cannot be stored, or None.

    Refused: nesting deeper than ``max_depth`` (real filters and contexts are a few levels deep;
    the encoder gives up far deeper) and NUL characters in keys or strings (PostgreSQL's JSONB
    refuses them). Iterative, so no input can exhaust the interpreter's recursion limit.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"must not nest deeper than {max_depth} levels"
        if isinstance(item, str) and "\x00" in item:
            return "must not contain NUL characters"
        if isinstance(item, dict):
            if any("\x00" in key for key in item):
                return "must not contain NUL characters"
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return None


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.JSONField):
    """A JSON value documented as an object (``nullable`` with ``allow_null``): the serializer's
    ``validate_<field>`` is what rejects any other JSON value, so the document must not say "any".
    Whatever it takes can be stored: a value ``json_value_problem`` refuses is a 400 here, for
    every JSONB input of the API at once."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        problem = json_value_problem(value)
        if problem is not None:
            raise serializers.ValidationError(f"{self.field_name} {problem}.")
        return value


# What DRF's CharField takes when blanks are not allowed: no NUL, a non-space character (it trims).
PRESENT_TEXT_PATTERN = "^[^\\x00]*[^\\x00\\s][^\\x00]*$"
NO_NUL_PATTERN = "^[^\\x00]*$"  # the same without trimming (``trim_whitespace=False``)


class PresentTextField(serializers.CharField):
    """A non-blank ``CharField`` whose document states what DRF rejects besides lengths: NUL
    characters, and text that is blank once trimmed when it trims (``PresentTextSchema`` adds
    the pattern)."""


class PresentTextSchema(OpenApiSerializerFieldExtension):
    target_class = PresentTextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        pattern = PRESENT_TEXT_PATTERN if self.target.trim_whitespace else NO_NUL_PATTERN
        return {**schema, "pattern": pattern}


class StrictTypesSerializer(serializers.Serializer):
    """An input serializer that rejects mistyped values instead of coercing them (module doc)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                problem = _type_problem(field, data, name)
                if problem is not None:
                    raise serializers.ValidationError({name: [problem]})
        return super().to_internal_value(data)


def _type_problem(field: serializers.Field, data: Mapping[str, Any], name: str) -> str | None:
    if isinstance(data, QueryDict):
        if isinstance(field, serializers.ListField | serializers.JSONField):
            return None  # repeated keys or JSON text: their own parsing decides
        return next(filter(None, (_form_type_problem(field, value) for value in data.getlist(name))), None)
    return _json_type_problem(field, data[name])

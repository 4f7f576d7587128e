"""``limit``/``offset`` pagination with ``{"count", "next", "previous", "results", "has_next"}``.

A ``limit`` or ``offset`` that is not a non-negative integer (or a ``limit`` of 0) is a 400 naming
the parameter; a ``limit`` above ``PAGINATION_MAX_LIMIT`` is clamped to it. ``next`` and
``previous`` never carry a credential sent in the query string (``personal_api_key``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from recordings_api.redaction import url_without_credentials


def parse_non_negative_int(request: Request, name: str, default: int, *, minimum: int = 0) -> int:
    """The integer query parameter ``name`` (``default`` when absent); 400 naming it when invalid."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        message = f"'{name}' must be an integer of at least {minimum}, got {raw!r}."
        raise ValidationError({name: [message]}, code="invalid_input")
    return value


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    @property
    def default_limit(self) -> int:  # type: ignore[override]
        return int(settings.PAGINATION_DEFAULT_LIMIT)

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return int(settings.PAGINATION_MAX_LIMIT)

    def get_limit(self, request: Request) -> int:
        return min(parse_non_negative_int(request, "limit", self.default_limit, minimum=1), self.max_limit)

    def get_offset(self, request: Request) -> int:
        return parse_non_negative_int(request, "offset", 0)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """DRF's two parameters with the bounds ``get_limit`` / ``get_offset`` enforce."""
        minimums = {self.limit_query_param: 1, self.offset_query_param: 0}
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], "minimum": minimums[parameter["name"]]}
        return parameters

    def get_next_link(self) -> str | None:
        link = super().get_next_link()
        return None if link is None else url_without_credentials(link)

    def get_previous_link(self) -> str | None:
        link = super().get_previous_link()
        return None if link is None else url_without_credentials(link)

    def get_paginated_response(self, data: Any) -> Response:
        assert self.count is not None and self.offset is not None and self.limit is not None
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "has_next": self.offset + self.limit < self.count,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        base["properties"]["has_next"] = {"type": "boolean"}
        base["required"] = ["count", "next", "previous", "has_next", "results"]
        return base

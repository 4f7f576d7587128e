"""Sentry's pagination: ``per_page`` + ``cursor``, and the seed's ``limit`` + ``offset``.

A cursor is ``"{value}:{offset}:{is_prev}"``; on the Sentry face ``value`` is always 0 and
``offset`` an absolute row offset (Sentry's ``GenericOffsetPaginator``), so a previous-page
cursor is read like any other. The page size is ``per_page``, else ``limit``, else the view's
``default_limit``; the start is the cursor's offset, else ``offset``, else 0. A page fetches
one row more than it shows, to know whether a next page exists.

Every page answers a ``Link`` header of two entries, previous first::

    <{url}?{query}&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1",
    <{url}?{query}&cursor=0:50:0>; rel="next"; results="true"; cursor="0:50:0"

where ``query`` is the request's query string without ``cursor`` (and without a credential:
``personal_api_key``), so a URL without other parameters ends in ``?&cursor=``;
``results="true"`` iff that page exists. Invalid input is a 400 ``{"detail": …}`` with Sentry's
texts (``Invalid per_page parameter.``, ``Invalid per_page value. Cannot exceed 100.``,
``Invalid cursor parameter.``).

What is valid is declared once, in ``page_parameters`` (the OpenAPI parameters every paginated
Sentry operation lists), and enforced by the same constants: ``per_page`` and ``limit`` are decimal
digits from 1 to the view's maximum; ``offset`` is decimal digits; ``cursor`` is empty (no cursor)
or matches ``CURSOR_PATTERN``. An offset past ``MAX_OFFSET`` is an empty page (no query runs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ParseError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from recordings_api.redaction import CREDENTIAL_QUERY_PARAMETERS

MAX_PER_PAGE = 100
# Offsets past this answer an empty page without a query (no database takes 2**63 rows).
MAX_OFFSET = 10**9
# ``{value}:{offset}:{is_prev}``: Sentry's value (a number, unused here), an absolute row offset, 0 or 1.
_CURSOR_GRAMMAR = r"([0-9]+(?:\.[0-9]+)?):([0-9]+):([01])"
_CURSOR = re.compile(_CURSOR_GRAMMAR)
CURSOR_PATTERN = f"^({_CURSOR_GRAMMAR})?$"  # the document's: the same grammar, or empty
_DIGITS = re.compile(r"[0-9]+")
LINK_ENTRY = '<{uri}&cursor={cursor}>; rel="{name}"; results="{results}"; cursor="{cursor}"'


@dataclass(frozen=True)
class PageWindow:
    """Which rows a request asks for: ``limit`` rows from ``offset``."""

    offset: int
    limit: int

    @property
    def next_cursor(self) -> str:
        return f"0:{self.offset + self.limit}:0"

    @property
    def previous_cursor(self) -> str:
        return f"0:{max(0, self.offset - self.limit)}:1"


def _bounded_int(digits: str) -> int:
    """``digits`` as an integer, at most ``MAX_OFFSET`` (huge digit strings are not converted)."""
    return MAX_OFFSET if len(digits) > len(str(MAX_OFFSET)) else min(int(digits), MAX_OFFSET)


def _size(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or _bounded_int(raw) < 1:
        raise ParseError(f"Invalid {name} parameter.")
    value = _bounded_int(raw)
    if value > maximum:
        raise ParseError(f"Invalid {name} value. Cannot exceed {maximum}.")
    return value


def _cursor_offset(raw: str) -> int:
    match = _CURSOR.fullmatch(raw)
    if match is None:
        raise ParseError("Invalid cursor parameter.")
    return _bounded_int(match[2])


def _start(request: Request) -> int:
    cursor = request.query_params.get("cursor")
    offset = request.query_params.get("offset")
    if offset is not None and not _DIGITS.fullmatch(offset):
        raise ParseError("Invalid offset parameter.")
    if cursor:
        return _cursor_offset(cursor)
    return _bounded_int(offset) if offset is not None else 0


def page_window(request: Request, *, default_limit: int, max_limit: int = MAX_PER_PAGE) -> PageWindow:
    """The rows ``per_page``/``limit`` and ``cursor``/``offset`` ask for (400 when invalid)."""
    per_page = _size(request, "per_page", 0, max_limit)
    limit = _size(request, "limit", default_limit, max_limit)
    return PageWindow(offset=_start(request), limit=per_page or limit)


def page_parameters(
    *, default_limit: int = MAX_PER_PAGE, max_limit: int = MAX_PER_PAGE
) -> list[OpenApiParameter]:
    """The OpenAPI query parameters of a paginated Sentry operation: what ``page_window`` accepts."""

    def size(name: str, description: str) -> OpenApiParameter:
        schema = {"type": "integer", "minimum": 1, "maximum": max_limit}
        return OpenApiParameter(name, schema, required=False, description=description)

    return [
        size("per_page", f"Rows per page (1 to {max_limit}, default {default_limit})."),
        OpenApiParameter(
            "cursor",
            {"type": "string", "pattern": CURSOR_PATTERN},
            required=False,
            description="`{value}:{offset}:{is_prev}` from a `Link` header (`0:{offset}:0`); empty: none.",
        ),
        size("limit", "The seed's name of `per_page` (`per_page` wins)."),
        OpenApiParameter(
            "offset",
            {"type": "integer", "minimum": 0},
            required=False,
            description=f"The first row, 0-based (`cursor` wins); past {MAX_OFFSET}: an empty page.",
        ),
    ]


def link_header(request: Request, window: PageWindow, *, has_more: bool) -> str:
    """The ``Link`` header of the page ``window`` of ``request`` (module docstring)."""
    query = request.query_params.copy()
    for name in ("cursor", *CREDENTIAL_QUERY_PARAMETERS):
        query.pop(name, None)
    uri = f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"
    previous = LINK_ENTRY.format(
        uri=uri, cursor=window.previous_cursor, name="previous", results=str(window.offset > 0).lower()
    )
    following = LINK_ENTRY.format(
        uri=uri, cursor=window.next_cursor, name="next", results=str(has_more).lower()
    )
    return f"{previous}, {following}"


class SentryCursorPagination(BasePagination):
    """DRF's pagination hook for the Sentry face: ``{"data": [...]}`` plus the ``Link`` header.

    ``paginate_queryset`` works on anything sliceable (a queryset: one query of ``limit + 1``
    rows). Views answering a bare list (tag values) use ``link_header`` with ``window``.
    """

    default_limit: ClassVar[int] = MAX_PER_PAGE
    max_limit: ClassVar[int] = MAX_PER_PAGE
    # Replay lists answer ``{"data": [...]}``; Sentry's organization and project lists a bare list.
    data_envelope: ClassVar[bool] = True

    def __init__(self) -> None:
        self.window = PageWindow(offset=0, limit=self.default_limit)
        self.has_more = False
        self.request: Request | None = None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.window = page_window(request, default_limit=self.default_limit, max_limit=self.max_limit)
        if self.window.offset >= MAX_OFFSET:
            return []
        rows: Sequence[Any] = list(queryset[self.window.offset : self.window.offset + self.window.limit + 1])
        self.has_more = len(rows) > self.window.limit
        return list(rows[: self.window.limit])

    def link_header(self) -> str:
        assert self.request is not None, "paginate_queryset() first"
        return link_header(self.request, self.window, has_more=self.has_more)

    def get_paginated_response(self, data: Any) -> Response:
        body = {"data": data} if self.data_envelope else data
        return Response(body, headers={"Link": self.link_header()})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        if not self.data_envelope:
            return schema
        return {"type": "object", "required": ["data"], "properties": {"data": schema}}

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": parameter.name,
                "in": "query",
                "required": False,
                "description": parameter.description,
                "schema": parameter.type,
            }
            for parameter in page_parameters(default_limit=self.default_limit, max_limit=self.max_limit)
        ]


class SentryBareListPagination(SentryCursorPagination):
    """Sentry's pagination for lists answered as a bare JSON array (organizations, projects)."""

    data_envelope: ClassVar[bool] = False

"""The recordings list response, shared by the recordings list and playlists' recordings.

Body: ``{"count", "count_is_estimate", "next", "previous", "has_next", "results", "version": 4,
"next_cursor"}`` — DRF limit/offset pagination (the published docs) plus PostHog's
``has_next``/``version`` (its front end), ``count_is_estimate`` (``recordings.counting``: the
count is exact up to 10,000, an estimate beyond) and ``next_cursor``, the ``after`` cursor of
the next page (``recordings.cursor``; null on the last page and for ``session_ids`` lists,
which keep the order given). With
``after`` the page starts after that cursor instead of at ``offset`` (the two do not combine),
and ``next`` carries the next cursor. The page costs a constant number of queries whatever its
size: page, count (none when the page ends the list; two beyond the exact cap: the capped count
and the planner's estimate), persons, viewed marks (+1 when ``session_recording_id`` is given).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from recordings.conditions import invalid
from recordings.counting import count_exact_limit, list_count, page_count
from recordings.cursor import (
    ORDER_VALUE,
    cursor_after,
    cursor_condition,
    cursor_decode,
    cursor_encode,
    order_value_expression,
)
from recordings.filters import recordings_query_parse
from recordings.filters.evaluation import database_rejections_as_400
from recordings.filters.params import RecordingsQuery
from recordings.models import SessionRecording
from recordings.selectors import (
    session_recording_find,
    session_recordings_enrichment,
    session_recordings_for_query,
)
from recordings.serializers import SessionRecordingSerializer
from recordings_api.models import Environment
from recordings_api.pagination import LimitOffsetPagination

LIST_VERSION = 4
MAX_OFFSET = 2**62
DEFAULT_LIMIT = 50


def count_description() -> str:
    return (
        f"Matching recordings: exact up to {count_exact_limit():,} when the database counts them "
        f"within {int(settings.RECORDINGS_COUNT_BUDGET_MS)} ms (`count_is_estimate` false); else the "
        "database's estimate, never below the limit when more match nor below what the page shows, "
        f"and up to {int(settings.RECORDINGS_COUNT_ESTIMATE_SECONDS)} s old (`count_is_estimate` true)."
    )


class RecordingsPagination(LimitOffsetPagination):
    """PostHog's default page of 50 recordings, read with one row more than its limit (``has_next``
    is exact) and counted by ``recordings.counting`` (exact up to a cap, else an estimate)."""

    has_next = False
    count_is_estimate = False

    @property
    def default_limit(self) -> int:  # type: ignore[override]
        return min(DEFAULT_LIMIT, int(settings.PAGINATION_MAX_LIMIT))

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        # An offset past any table's size reads nothing (the database would reject the number).
        too_far = self.offset > MAX_OFFSET
        rows = [] if too_far else list(queryset[self.offset : self.offset + self.limit + 1])
        page, self.has_next = rows[: self.limit], len(rows) > self.limit
        counted = page_count(
            offset=self.offset, page_rows=len(page), has_next=self.has_next, queryset=queryset
        )
        self.count, self.count_is_estimate = counted.value, counted.is_estimate
        return page

    def get_next_link(self) -> str | None:
        return super().get_next_link() if self.has_next else None

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["has_next"] = self.has_next
        response.data["count_is_estimate"] = self.count_is_estimate
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        base["properties"]["version"] = {
            "type": "integer",
            "example": LIST_VERSION,
            "description": "PostHog's list format version (its front end reads it).",
        }
        base["properties"]["next_cursor"] = {
            "type": "string",
            "nullable": True,
            "description": "Pass as `after` for the next page (null on the last page).",
        }
        base["properties"]["count"]["description"] = count_description()
        base["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": "True when `count` is an estimate (too many matches to count exactly, or "
            "counting them took too long).",
        }
        base["properties"]["has_next"]["description"] = "Whether another page follows (always exact)."
        base["required"] = [*base["required"], "count_is_estimate", "version", "next_cursor"]
        return base


def recordings_list_response(
    *, request: Request, environment: Environment, filters: Mapping[str, Any]
) -> Response:
    """Validates ``filters`` (400 naming the parameter), filters, orders, paginates
    (``limit``/``offset`` of ``request``) and serializes with ``viewed``/``viewers`` for
    ``request.user``. ``filters`` are JSON-decoded parameters (``filters.query_params_decode``).
    """
    query = recordings_query_parse(filters)
    recordings = _with_order_value(
        session_recordings_for_query(environment=environment, query=query, user=request.user),
        environment=environment,
        query=query,
    )
    if filters.get("after") not in (None, ""):
        return _cursor_page_response(
            request, recordings, environment=environment, query=query, after=filters["after"]
        )
    paginator = RecordingsPagination()
    page = _page(paginator, recordings, request)
    unmatched: set[str] = set()
    if query.session_recording_id and paginator.offset == 0:
        page, unmatched = _with_requested_recording(page, recordings, environment=environment, query=query)
    response = paginator.get_paginated_response(_serialized(request, environment, page, unmatched))
    response.data["version"] = LIST_VERSION
    has_next = response.data["has_next"] and bool(page) and not query.session_ids
    response.data["next_cursor"] = _next_cursor(page[-1], query) if has_next else None
    return response


def _serialized(
    request: Request, environment: Environment, page: list[SessionRecording], unmatched: set[str]
) -> Any:
    enrichment = session_recordings_enrichment(environment=environment, recordings=page, user=request.user)
    context = {
        "request": request,
        "environment": environment,
        "enrichment": enrichment,
        "unmatched_session_ids": unmatched,
    }
    return SessionRecordingSerializer(page, many=True, context=context).data


def _with_order_value(
    recordings: QuerySet[SessionRecording], *, environment: Environment, query: RecordingsQuery
) -> QuerySet[SessionRecording]:
    expression = order_value_expression(environment=environment, order=query.order)
    if expression is None or query.session_ids:
        return recordings
    return recordings.annotate(**{ORDER_VALUE: expression})


def _next_cursor(row: SessionRecording, query: RecordingsQuery) -> str:
    return cursor_encode(cursor_after(row, order=query.order, direction=query.order_direction))


def _cursor_page_response(
    request: Request,
    recordings: QuerySet[SessionRecording],
    *,
    environment: Environment,
    query: RecordingsQuery,
    after: Any,
) -> Response:
    """The page after the ``after`` cursor (see the module docstring)."""
    if query.session_ids:
        raise invalid("after", "'after' does not combine with 'session_ids' (their order is the one given).")
    if request.query_params.get("offset") not in (None, "", "0"):
        raise invalid("after", "'after' and 'offset' do not combine: use one or the other.")
    cursor = cursor_decode(after, order=query.order, direction=query.order_direction)
    limit = RecordingsPagination().get_limit(request)
    with database_rejections_as_400():
        counted = list_count(recordings)
        rows = list(recordings.filter(cursor_condition(cursor, environment=environment))[: limit + 1])
    page, has_next = rows[:limit], len(rows) > limit
    next_cursor = _next_cursor(page[-1], query) if has_next and page else None
    url = remove_query_param(request.build_absolute_uri(), "offset")
    body = {
        "count": counted.value,
        "count_is_estimate": counted.is_estimate,
        "next": replace_query_param(url, "after", next_cursor) if next_cursor else None,
        "previous": None,
        "has_next": has_next,
        "results": _serialized(request, environment, page, set()),
        "version": LIST_VERSION,
        "next_cursor": next_cursor,
    }
    return Response(body)


def _page(paginator: RecordingsPagination, recordings: Any, request: Request) -> list[SessionRecording]:
    """Evaluates the page; a pattern the database rejects (Python accepted it) is a 400, not a 500."""
    with database_rejections_as_400():
        return list(paginator.paginate_queryset(recordings, request) or [])


def _with_requested_recording(
    page: list[SessionRecording], recordings: Any, *, environment: Environment, query: RecordingsQuery
) -> tuple[list[SessionRecording], set[str]]:
    """PostHog's ``session_recording_id``: that recording first, flagged when it does not match."""
    session_id = query.session_recording_id or ""
    requested = session_recording_find(environment=environment, session_id=session_id)
    if requested is None:
        return page, set()
    matches = (
        any(row.session_id == session_id for row in page) or recordings.filter(session_id=session_id).exists()
    )
    rest = [row for row in page if row.session_id != session_id]
    return [requested, *rest], (set() if matches else {session_id})

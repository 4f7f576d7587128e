"""The recordings list response, shared by the recordings list and playlists' recordings.

Body: ``{"count", "next", "previous", "has_next", "results", "version": 4}`` — DRF limit/offset
pagination (the published docs) plus PostHog's ``has_next``/``version`` (its front end). The page
costs a constant number of queries whatever its size: count, page, persons, viewed marks (+1
when ``session_recording_id`` is given).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.response import Response

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
DEFAULT_LIMIT = 50


class RecordingsPagination(LimitOffsetPagination):
    """PostHog's default page of 50 recordings."""

    @property
    def default_limit(self) -> int:  # type: ignore[override]
        return min(DEFAULT_LIMIT, int(settings.PAGINATION_MAX_LIMIT))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        base["properties"]["version"] = {
            "type": "integer",
            "example": LIST_VERSION,
            "description": "PostHog's list format version (its front end reads it).",
        }
        base["required"] = [*base["required"], "version"]
        return base


def recordings_list_response(
    *, request: Request, environment: Environment, filters: Mapping[str, Any]
) -> Response:
    """Validates ``filters`` (400 naming the parameter), filters, orders, paginates
    (``limit``/``offset`` of ``request``) and serializes with ``viewed``/``viewers`` for
    ``request.user``. ``filters`` are JSON-decoded parameters (``filters.query_params_decode``).
    """
    query = recordings_query_parse(filters)
    recordings = session_recordings_for_query(environment=environment, query=query, user=request.user)
    paginator = RecordingsPagination()
    page = _page(paginator, recordings, request)
    unmatched: set[str] = set()
    if query.session_recording_id and paginator.offset == 0:
        page, unmatched = _with_requested_recording(page, recordings, environment=environment, query=query)
    enrichment = session_recordings_enrichment(environment=environment, recordings=page, user=request.user)
    context = {
        "request": request,
        "environment": environment,
        "enrichment": enrichment,
        "unmatched_session_ids": unmatched,
    }
    response = paginator.get_paginated_response(
        SessionRecordingSerializer(page, many=True, context=context).data
    )
    response.data["version"] = LIST_VERSION
    return response


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

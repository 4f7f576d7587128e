"""``GET /api/0/organizations/{org}/replays/``: browse replays, Sentry's way.

Every recording of the organization's projects the request may see — from ``@sentry/browser`` or
posthog-js — as Sentry's replay object (``replay_object``), in ``{"data": [...]}`` with Sentry's
``Link`` pagination: ``per_page``/``cursor`` or the seed's ``limit`` (default 10, at most 100)
and ``offset``. Parameters: ``browse_params``; the search: ``recordings.query_language`` with
the Sentry face's fields. Archived (deleted) replays follow the live ones as Sentry's
placeholder (``archived``). The request header ``X-Preferred-Data-Source`` (``scalar`` or
``aggregated``) is answered by ``X-Data-Source`` (``browse_params.replay_data_source``). Scope:
``session_recording:read`` (Sentry: ``org:read``, ``project:read``, ``event:read``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.filters.evaluation import database_rejections_as_400
from recordings.models import SessionRecording
from recordings.sentry.archived import ReplayRows, sentry_archived_replays_browse, sentry_tombstone_object
from recordings.sentry.browse_params import (
    ReplayBrowseParams,
    replay_browse_params_parse,
    replay_data_source,
)
from recordings.sentry.openapi import BROWSE_PARAMETERS, REPLAYS_TAG, SentryReplaySerializer
from recordings.sentry.replay_object import ReplayPageContext, replay_object
from recordings.sentry.selectors import (
    sentry_replays_browse,
    sentry_replays_clicks,
    sentry_replays_viewed,
)
from recordings_api.models import Environment
from recordings_api.sentry.pagination import SentryCursorPagination
from recordings_api.sentry.selectors import sentry_projects_select
from recordings_api.sentry.tenancy import SentryOrganizationScopedViewSetMixin


class ReplayBrowsePagination(SentryCursorPagination):
    """The seed's default page: 10 replays."""

    default_limit: ClassVar[int] = 10


class SentryReplayIndexViewSet(SentryOrganizationScopedViewSetMixin, viewsets.GenericViewSet):
    scope_object = "session_recording"
    openapi_tag = REPLAYS_TAG
    pagination_class = ReplayBrowsePagination

    def _projects(self, params: ReplayBrowseParams) -> list[Environment]:
        if params.all_projects:
            return list(self.projects)
        return sentry_projects_select(self.projects, ids=params.project_ids, slugs=params.project_slugs)

    @extend_schema(
        summary="Browse replays",
        description="Replays of the organization's projects (every recording, from either SDK), newest "
        "first by default.",
        parameters=BROWSE_PARAMETERS,
        responses={200: SentryReplaySerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = replay_browse_params_parse(request.query_params)
        projects = self._projects(params)
        rows = ReplayRows(
            live=sentry_replays_browse(environments=projects, params=params, user=request.user),
            archived=sentry_archived_replays_browse(environments=projects, params=params, user=request.user),
        )
        paginator = self.paginator
        assert isinstance(paginator, SentryCursorPagination)
        with database_rejections_as_400():
            page = paginator.paginate_queryset(rows, request, view=self)
        live = [row for row in page if isinstance(row, SessionRecording)]
        context = ReplayPageContext(
            environments={project.id: project for project in projects},
            viewed=sentry_replays_viewed(recordings=live, user=request.user),
            fields=params.fields,
            user=request.user,
            clicks=sentry_replays_clicks(recordings=live) if "clicks" in params.fields else {},
        )
        data = [
            replay_object(row, context)
            if isinstance(row, SessionRecording)
            else sentry_tombstone_object(row, fields=params.fields)
            for row in page
        ]
        response = paginator.get_paginated_response(data)
        response["X-Data-Source"] = replay_data_source(request.headers.get("X-Preferred-Data-Source"))
        return response

"""The Sentry face's issue endpoints (thin views): ``GET /api/0/organizations/{org}/issues/`` and
``/issues/{issue_id}/``. Tenancy and scopes as the replay endpoints (``session_recording:read``;
Sentry's ``event:read`` maps to it)."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.issues.representation import issue_data
from recordings.issues.schema import ISSUES_TAG, issue_detail_schema, issues_list_schema
from recordings.issues.selectors import DEFAULT_SORT, ISSUE_SORTS, IssueFilters, issues_select
from recordings.sentry_replay.params import sdk_environments, time_range
from recordings.sentry_replay.schema import WholeBodySchema
from recordings.sentry_replay.views import SelectedProjectsMixin
from recordings_api.sentry.pagination import link_header, page_window


class IssueViewSet(SelectedProjectsMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    openapi_tag = ISSUES_TAG
    lookup_field = "issue_id"
    lookup_value_regex = "[^/]+"

    @issues_list_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sort = request.query_params.get("sort") or DEFAULT_SORT
        if sort not in ISSUE_SORTS:
            raise ParseError(f"Invalid sort parameter. Please use one of: {', '.join(ISSUE_SORTS)}")
        window = page_window(request, default_limit=100)
        start, end = time_range(request)
        filters = IssueFilters(
            environments=self.selected_projects(),
            sdk_environments=sdk_environments(request),
            start=start,
            end=end,
            sort=sort,
        )
        rows = list(issues_select(filters)[window.offset : window.offset + window.limit + 1])
        response = Response([issue_data(issue) for issue in rows[: window.limit]])
        response["Link"] = link_header(request, window, has_more=len(rows) > window.limit)
        return response

    @issue_detail_schema
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = str(kwargs["issue_id"])
        if not raw.isdigit() or len(raw) > 18:
            raise NotFound()
        filters = IssueFilters(environments=list(self.projects), ids=(int(raw),))
        issue = issues_select(filters).first()
        if issue is None:
            raise NotFound()
        return Response(issue_data(issue))

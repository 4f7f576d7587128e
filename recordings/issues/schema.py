"""The OpenAPI description of the Sentry face's issue endpoints (raw schemas, Sentry's keys)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from recordings.issues.selectors import DEFAULT_SORT, ISSUE_SORTS
from recordings.sentry_replay.schema import ENVIRONMENT, PAGE, PROJECTS, TIME_RANGE, object_schema
from recordings_api.sentry.openapi import sentry_errors

ISSUES_TAG = "Sentry: issues"  # described in recordings_api.sentry.openapi.SENTRY_TAGS
_STRING = {"type": "string"}
ISSUE = object_schema(
    {
        **{name: _STRING for name in ("id", "shortId", "title", "culprit", "level", "platform")},
        "status": {"type": "string", "enum": ["unresolved"]},
        "type": {"type": "string", "enum": ["error"]},
        "metadata": object_schema({"type": _STRING, "value": _STRING}),
        "count": {"type": "string", "description": "Events in the selected period (a string, as Sentry's)."},
        "firstSeen": {"type": "string", "format": "date-time"},
        "lastSeen": {"type": "string", "format": "date-time"},
        "project": object_schema({name: _STRING for name in ("id", "slug", "name", "platform")}),
    }
)
ISSUE_ID = OpenApiParameter(
    "issue_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The issue's id (digits)."
)
issues_list_schema = extend_schema(
    operation_id="sentry_issues_list",
    summary="List an organization's issues",
    description="Issues with at least one event in the selected period, projects and SDK environments; "
    "`count` and `lastSeen` are of those events. `sort`: `date` (last seen, the default), `new` (first "
    "seen) or `freq` (events). A bare list, paginated (`per_page`/`cursor`, `Link`).",
    parameters=[
        OpenApiParameter(
            "sort",
            OpenApiTypes.STR,
            required=False,
            enum=["", *ISSUE_SORTS],
            default=DEFAULT_SORT,
            description="Empty: the default.",
        ),
        *PROJECTS,
        ENVIRONMENT,
        *TIME_RANGE,
        *PAGE,
    ],
    responses={200: OpenApiResponse({"type": "array", "items": ISSUE}), **sentry_errors(400)},
)
issue_detail_schema = extend_schema(
    operation_id="sentry_issue_retrieve",
    summary="Retrieve an issue",
    description="One issue of the organization's projects the key may see, counted over all its events.",
    parameters=[ISSUE_ID],
    responses={200: OpenApiResponse(ISSUE), **sentry_errors(404)},
)

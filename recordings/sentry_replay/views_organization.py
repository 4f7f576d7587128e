"""The Sentry face's replay endpoints around many replays (thin views):

- ``GET /api/0/organizations/{org}/replay-count/?query=replay_id:[…]`` → ``{value: count}``;
- ``GET /api/0/organizations/{org}/replay-selectors/`` → ``{"data": [selector rows]}``;
- tag keys and values: ``/api/0/projects/{org}/{project}/replays/tags/[{key}/values/]`` (the
  seed) and ``/api/0/organizations/{org}/tags/[{key}/values/]?dataset=replays`` (what Sentry
  serves today), bare lists as Sentry answers them.

Organization endpoints take ``project`` / ``projectSlug`` (repeatable, ``-1`` = every project
the key may see), ``environment`` (the SDK's environment strings) and the time range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.sentry.openapi import REPLAYS_TAG
from recordings.sentry_replay.counts import ReplayCountError, replay_count_request_parse, replay_counts
from recordings.sentry_replay.dead_selectors import (
    SelectorFilters,
    SelectorQueryError,
    replay_selectors_list,
)
from recordings.sentry_replay.params import sdk_environments, time_range
from recordings.sentry_replay.schema import WholeBodySchema
from recordings.sentry_replay.schema_aggregates import (
    DATASETS,
    TAG_VALUES_MAX_PAGE,
    replay_count_schema,
    selectors_schema,
    tag_keys_schema,
    tag_values_schema,
)
from recordings.sentry_replay.tags import (
    VALUE_SORTS,
    TagKeyRow,
    TagScope,
    TagValueRow,
    replay_tag_keys,
    replay_tag_values,
    tag_key_is_valid,
)
from recordings.sentry_replay.views import SelectedProjectsMixin
from recordings_api.sentry.pagination import link_header, page_window
from recordings_api.sentry.tenancy import SentryProjectScopedViewSetMixin


def _date(moment: Any) -> str:
    return serializers.DateTimeField().to_representation(moment)


class ReplayCountViewSet(SelectedProjectsMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    openapi_tag = REPLAYS_TAG

    @replay_count_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        start, end = time_range(request)
        try:
            count_request = replay_count_request_parse(request.query_params.get("query", ""))
        except ReplayCountError as error:
            raise ParseError(str(error)) from error
        return_ids = request.query_params.get("returnIds", "").lower() in ("1", "true")
        counts = replay_counts(
            environments=self.selected_projects(),
            request=count_request,
            return_ids=return_ids,
            start=start,
            end=end,
        )
        return Response(counts)


class ReplaySelectorsViewSet(SelectedProjectsMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    openapi_tag = REPLAYS_TAG

    @selectors_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        window = page_window(request, default_limit=100)
        start, end = time_range(request)
        filters = SelectorFilters(
            environments=self.selected_projects(),
            sdk_environments=sdk_environments(request),
            start=start,
            end=end,
            query=request.query_params.get("query", ""),
            sort=request.query_params.get("sort") or "-count_dead_clicks",
        )
        try:
            rows = replay_selectors_list(filters=filters, offset=window.offset, limit=window.limit + 1)
        except SelectorQueryError as error:
            raise ParseError(str(error)) from error
        response = Response({"data": rows[: window.limit]})
        response["Link"] = link_header(request, window, has_more=len(rows) > window.limit)
        return response


def _dataset_check(request: Request) -> None:
    """``dataset``: empty or ``replays`` (``DATASETS``), on both tag routes."""
    if (request.query_params.get("dataset") or DATASETS[0]) not in DATASETS:
        raise ParseError("Invalid dataset parameter")


def _key_rows(rows: Sequence[TagKeyRow]) -> list[dict[str, Any]]:
    return [{"key": row.key, "name": row.name, "totalValues": row.total_values} for row in rows]


def _value_rows(rows: Sequence[TagValueRow]) -> list[dict[str, Any]]:
    return [
        {
            "key": row.key,
            "name": row.name,
            "value": row.value,
            "count": row.count,
            "lastSeen": _date(row.last_seen),
            "firstSeen": _date(row.first_seen),
        }
        for row in rows
    ]


def _tag_values_response(request: Request, scope: TagScope, key: str) -> Response:
    if not tag_key_is_valid(key):
        raise ParseError(f'Invalid tag key format for "{key}"')
    sort = request.query_params.get("sort") or "-count"
    if sort not in VALUE_SORTS:
        raise ParseError("Invalid sort parameter. Please use one of: -last_seen or -count")
    window = page_window(request, default_limit=100, max_limit=TAG_VALUES_MAX_PAGE)
    rows = replay_tag_values(scope=scope, key=key, query=request.query_params.get("query", ""), sort=sort)
    page = rows[window.offset : window.offset + window.limit]
    response = Response(_value_rows(page))
    response["Link"] = link_header(request, window, has_more=len(rows) > window.offset + window.limit)
    return response


class ProjectReplayTagsViewSet(SentryProjectScopedViewSetMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    scope_read_actions = ("list", "values")
    openapi_tag = REPLAYS_TAG
    lookup_field = "key"
    lookup_value_regex = "[^/]+"

    def _scope(self) -> TagScope:
        _dataset_check(self.request)
        start, end = time_range(self.request)
        return TagScope([self.environment], start=start, end=end)

    @tag_keys_schema(organization=False)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(_key_rows(replay_tag_keys(scope=self._scope())))

    @tag_values_schema(organization=False)
    @action(detail=True, methods=["get"])
    def values(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _tag_values_response(request, self._scope(), str(kwargs["key"]))


class OrganizationTagsViewSet(SelectedProjectsMixin, viewsets.ViewSet):
    """Sentry's generic tag endpoints; only ``dataset=replays`` (the default here) is served."""

    scope_object = "session_recording"
    schema = WholeBodySchema()
    scope_read_actions = ("list", "values")
    openapi_tag = REPLAYS_TAG
    lookup_field = "key"
    lookup_value_regex = "[^/]+"

    def _scope(self) -> TagScope:
        _dataset_check(self.request)
        start, end = time_range(self.request)
        return TagScope(self.selected_projects(), start=start, end=end)

    @tag_keys_schema(organization=True)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(_key_rows(replay_tag_keys(scope=self._scope())))

    @tag_values_schema(organization=True)
    @action(detail=True, methods=["get"])
    def values(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _tag_values_response(request, self._scope(), str(kwargs["key"]))

"""The Sentry face's single-replay endpoints (thin: parameters, one selector or service, shape).

- ``GET|DELETE /api/0/projects/{org}/{project}/replays/{replay_id}/`` and
  ``GET /api/0/organizations/{org}/replays/{replay_id}/``: ``{"data": Replay}``; DELETE is 204 at
  once (the PostHog face's deletion service), then the replay is served archived and deleting
  it again is a 404;
- ``…/replays/{replay_id}/clicks/``: ``{"data": [{"node_id", "timestamp"}]}`` (Unix seconds);
- ``…/replays/{replay_id}/viewed-by/``: GET ``{"data": {"viewed_by": [User]}}``, POST 204.

Replay ids are UUIDs with or without dashes; an unknown one (or no UUID) is a 404 with an empty
body, as Sentry's replay endpoints answer.
"""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.sentry.archived import sentry_archived_replay_object
from recordings.sentry.browse_params import replay_fields_parse
from recordings.sentry.openapi import REPLAYS_TAG
from recordings.sentry.replay_object import ReplayPageContext, replay_object
from recordings.sentry.selectors import sentry_replays_clicks
from recordings.sentry_replay.clicks import ClickQueryError, replay_clicks_list
from recordings.sentry_replay.params import listed, sdk_environments, time_range
from recordings.sentry_replay.replays import FoundReplay, sentry_replay_delete, sentry_replay_find
from recordings.sentry_replay.schema import (
    WholeBodySchema,
    clicks_schema,
    organization_replay_schema,
    replay_delete_schema,
    replay_schema,
    viewed_by_list_schema,
    viewed_by_post_schema,
)
from recordings.sentry_replay.users import sentry_user_object
from recordings.sentry_replay.viewers import replay_viewed_record, replay_viewers_list
from recordings_api.models import Environment
from recordings_api.sentry.pagination import link_header, page_window
from recordings_api.sentry.selectors import sentry_projects_select
from recordings_api.sentry.tenancy import (
    SentryOrganizationScopedViewSetMixin,
    SentryProjectScopedViewSetMixin,
)


def _not_found() -> Response:
    return Response(status=404)


def _replay_data(replay: FoundReplay, *, user: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    if replay.recording is None:
        return sentry_archived_replay_object(
            replay_id=replay.replay_id, project_id=replay.environment.id, fields=fields
        )
    viewed = any(viewer.pk == getattr(user, "pk", None) for viewer in _viewers(replay))
    context = ReplayPageContext(
        environments={replay.environment.id: replay.environment},
        viewed={replay.session_id} if viewed else frozenset(),
        fields=fields,
        user=user,
        clicks=sentry_replays_clicks(recordings=[replay.recording]) if "clicks" in fields else {},
    )
    return replay_object(replay.recording, context)


def _viewers(replay: FoundReplay) -> list[Any]:
    return replay_viewers_list(environment=replay.environment, session_id=replay.session_id)


def _within(replay: FoundReplay | None, request: Request) -> FoundReplay | None:
    """The replay if the request's time range (if any) overlaps it (archived ones always do)."""
    start, end = time_range(request)
    recording = replay.recording if replay is not None else None
    if recording is None or (start is None and end is None):
        return replay
    if (end is not None and recording.start_time >= end) or (
        start is not None and recording.end_time < start
    ):
        return None
    return replay


class _ProjectReplayMixin(SentryProjectScopedViewSetMixin):
    def project_replay(self) -> FoundReplay | None:
        return sentry_replay_find(environments=[self.environment], replay_id=str(self.kwargs["replay_id"]))


class ProjectReplayViewSet(_ProjectReplayMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    openapi_tag = REPLAYS_TAG
    lookup_field = "replay_id"
    lookup_value_regex = "[^/]+"

    @replay_schema
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = replay_fields_parse(request.query_params)
        replay = self.project_replay()
        if replay is None:
            return _not_found()
        return Response({"data": _replay_data(replay, user=request.user, fields=fields)})

    @replay_delete_schema
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        replay = self.project_replay()
        if replay is None or replay.is_archived:
            return _not_found()
        sentry_replay_delete(replay=replay, user=request.user)
        return Response(status=204)


class SelectedProjectsMixin(SentryOrganizationScopedViewSetMixin):
    def selected_projects(self) -> list[Environment]:
        """The organization's projects ``project`` / ``projectSlug`` select (all when neither)."""
        return sentry_projects_select(
            self.projects, ids=listed(self.request, "project"), slugs=listed(self.request, "projectSlug")
        )


class OrganizationReplayViewSet(SelectedProjectsMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    openapi_tag = REPLAYS_TAG
    lookup_field = "replay_id"
    lookup_value_regex = "[^/]+"

    @organization_replay_schema
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = replay_fields_parse(request.query_params)
        environments = self.selected_projects()
        replay = sentry_replay_find(environments=environments, replay_id=str(kwargs["replay_id"]))
        replay = _within(replay, request)
        environment_names = sdk_environments(request)
        if replay is not None and replay.recording is not None and environment_names:
            replay = replay if replay.recording.sdk_environment in environment_names else None
        if replay is None:
            return _not_found()
        return Response({"data": _replay_data(replay, user=request.user, fields=fields)})


class ReplayClicksViewSet(_ProjectReplayMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    openapi_tag = REPLAYS_TAG

    @clicks_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        window = page_window(request, default_limit=100)
        replay = self.project_replay()
        if replay is None:
            return _not_found()
        rows: list[Any] = []
        if replay.recording is not None:
            query = request.query_params.get("query", "")
            try:
                clicks = replay_clicks_list(
                    environment=self.environment, session_id=replay.session_id, query=query
                )
                rows = list(clicks[window.offset : window.offset + window.limit + 1])
            except ClickQueryError as error:
                raise ParseError(str(error)) from error
        data = [{"node_id": row.node_id, "timestamp": int(row.timestamp.timestamp())} for row in rows]
        response = Response({"data": data[: window.limit]})
        response["Link"] = link_header(request, window, has_more=len(rows) > window.limit)
        return response


class ReplayViewedByViewSet(_ProjectReplayMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    scope_read_actions = ("list", "create")  # a view is a read, as PATCH {"viewed": true} is
    scope_write_actions = ()
    openapi_tag = REPLAYS_TAG

    @viewed_by_list_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        replay = self.project_replay()
        if replay is None:
            return _not_found()
        viewers = [] if replay.recording is None else _viewers(replay)
        return Response({"data": {"viewed_by": [sentry_user_object(user) for user in viewers]}})

    @viewed_by_post_schema
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        replay = self.project_replay()
        if replay is None or replay.recording is None:
            return _not_found()
        replay_viewed_record(environment=replay.environment, session_id=replay.session_id, user=request.user)
        return Response(status=204)

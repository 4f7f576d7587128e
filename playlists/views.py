"""``…/session_recording_playlists/``: PostHog's playlists API, served under both route prefixes.

Thin actions: validate with an input serializer, call one service or selector, render with
``SessionRecordingPlaylistSerializer``. ``short_id`` is the lookup field. Soft-deleted playlists
are invisible to list, retrieve and the recordings sub-routes, but PUT/PATCH still reach them,
which is how ``{"deleted": false}`` restores one. DELETE is neither routed nor documented
(``SoftDeleteOnlyMixin``: a 405 naming the soft delete). Scopes: ``session_recording_playlist:read``
for list, retrieve and the recordings list; ``:write`` for everything else (``playlist_viewed``
included: it records a view).
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from playlists import serializers as s
from playlists.models import SessionRecordingPlaylist
from playlists.selectors import playlist_get, playlist_list_filter, playlist_recordings_filters
from playlists.services import (
    playlist_add_recording,
    playlist_add_recordings,
    playlist_create,
    playlist_remove_recording,
    playlist_remove_recordings,
    playlist_update,
    playlist_viewed_record,
)
from recordings.listing import recordings_list_response
from recordings.serializers import SessionRecordingSerializer
from recordings.views.docs import PAGINATION_PARAMETERS
from recordings_api.models import User
from recordings_api.serializers import ApiErrorSerializer
from recordings_api.soft_delete import SoftDeleteOnlyMixin
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import DEFAULT_THROTTLES

_ERRORS = {
    400: OpenApiResponse(ApiErrorSerializer, description="Validation error (`attr` names the field)."),
    404: OpenApiResponse(ApiErrorSerializer, description="No such playlist in this environment."),
}
_RECORDINGS_LIST = inline_serializer(
    "PlaylistRecordingsList",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "has_next": serializers.BooleanField(),
        "version": serializers.IntegerField(),
        "results": SessionRecordingSerializer(many=True),
    },
)
# The rule an update body cannot state: the playlist's type (fixed at creation) decides its filters.
_UPDATE_FILTERS_RULE = (
    "The playlist's `type` decides `filters`: a collection's stay empty (non-empty filters are a 400), "
    "a saved filter's must be resent, non-empty, with every update (400 otherwise, as PostHog answers)."
)
_SESSION_RECORDING_ID = OpenApiParameter(
    "session_recording_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The recording's session id."
)


class SessionRecordingPlaylistViewSet(
    SoftDeleteOnlyMixin, EnvironmentScopedViewSetMixin, viewsets.GenericViewSet
):
    scope_object = "session_recording_playlist"
    scope_read_actions = ("list", "retrieve", "recordings")
    scope_write_actions = (
        "create",
        "update",
        "partial_update",
        "modify_recordings",
        "bulk_add_recordings",
        "bulk_delete_recordings",
        "playlist_viewed",
    )
    openapi_tag = "session_recording_playlists"
    queryset = SessionRecordingPlaylist.objects.all()  # refined (and scoped) in safely_get_queryset
    serializer_class = s.SessionRecordingPlaylistSerializer
    lookup_field = "short_id"
    throttle_classes = DEFAULT_THROTTLES

    def safely_get_queryset(self) -> QuerySet[SessionRecordingPlaylist]:
        queryset = SessionRecordingPlaylist.objects.select_related(
            "environment", "created_by", "last_modified_by"
        )
        if self.action in ("update", "partial_update"):
            return queryset  # a soft-deleted playlist can still be restored
        return queryset.filter(deleted=False)

    def safely_get_object(
        self, queryset: QuerySet[SessionRecordingPlaylist], lookup_value: str
    ) -> SessionRecordingPlaylist:
        playlist = playlist_get(queryset=queryset, short_id=lookup_value)
        if playlist is None:
            raise NotFound("Playlist not found.")
        return playlist

    def _playlist(self) -> SessionRecordingPlaylist:
        return cast(SessionRecordingPlaylist, self.get_object())

    def _user(self) -> User:
        return cast(User, self.request.user)  # the tenancy permissions admit authenticated users only

    def _render(self, playlist: SessionRecordingPlaylist, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(playlist).data, status=status_code)

    @extend_schema(
        parameters=[s.PlaylistListParamsSerializer],
        description="Playlists of the environment, excluding soft-deleted ones.",
        responses={200: s.SessionRecordingPlaylistSerializer(many=True), 400: _ERRORS[400]},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = s.PlaylistListParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        queryset = playlist_list_filter(
            queryset=self.get_queryset(), user=request.user, params=params.validated_data
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: s.SessionRecordingPlaylistSerializer, 404: _ERRORS[404]})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playlist = self._playlist()
        return self._render(playlist)

    @extend_schema(
        request=s.PLAYLIST_CREATE_BODY,
        responses={201: s.SessionRecordingPlaylistSerializer, 400: _ERRORS[400]},
        examples=[
            OpenApiExample(
                "A saved filter",
                request_only=True,
                value={
                    "name": "Checkout errors",
                    "type": "filters",
                    "filters": {"query": "count_errors:>0 url:*checkout*", "date_from": "-7d"},
                },
            ),
            OpenApiExample(
                "A collection", request_only=True, value={"name": "Bugs to triage", "type": "collection"}
            ),
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.PlaylistCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        playlist_type = fields.pop("type")
        playlist = playlist_create(
            environment=self.environment, user=self._user(), type=playlist_type, fields=fields
        )
        return self._render(playlist, status.HTTP_201_CREATED)

    def _update(self, request: Request) -> Response:
        playlist = self._playlist()
        # partial: fields a form body leaves out stay unset (DRF would read an absent checkbox as false).
        data = s.PlaylistUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        playlist = playlist_update(playlist=playlist, user=self._user(), changes=data.validated_data)
        return self._render(playlist)

    @extend_schema(
        request=s.PlaylistUpdateInputSerializer,
        description="Same as PATCH: fields left out are unchanged. Reaches soft-deleted playlists. "
        + _UPDATE_FILTERS_RULE,
        responses={200: s.SessionRecordingPlaylistSerializer, **_ERRORS},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request)

    @extend_schema(
        request=s.PlaylistUpdateInputSerializer,
        description='Update fields. `{"deleted": true}` soft-deletes; `{"deleted": false}` restores. '
        + _UPDATE_FILTERS_RULE,
        responses={200: s.SessionRecordingPlaylistSerializer, **_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request)

    @extend_schema(
        description="Recordings of the playlist in the recordings list shape: a collection's pinned "
        "recordings (most recently pinned first) or the recordings a filters playlist matches now. "
        "Query parameters are those of the recordings list (`limit`, `offset`, …); "
        "a filters playlist's stored filters take precedence over them.",
        parameters=PAGINATION_PARAMETERS,
        responses={200: _RECORDINGS_LIST, **_ERRORS},
    )
    @action(methods=["GET"], detail=True, url_path="recordings")
    def recordings(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playlist = self._playlist()
        filters = playlist_recordings_filters(playlist=playlist, query_params=request.query_params)
        return recordings_list_response(request=request, environment=self.environment, filters=filters)

    @extend_schema(
        methods=["POST"],
        request=None,
        parameters=[_SESSION_RECORDING_ID],
        description="Pin a recording of this environment to a collection (idempotent); it is then kept past "
        "retention. 400 for a filters playlist, 404 when the environment has no such recording.",
        responses={200: s.SuccessSerializer, **_ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        parameters=[_SESSION_RECORDING_ID],
        description="Unpin a recording. 404 when it is not pinned to this playlist.",
        responses={204: OpenApiResponse(description="Unpinned."), 404: _ERRORS[404]},
    )
    @action(methods=["POST", "DELETE"], detail=True, url_path=r"recordings/(?P<session_recording_id>[^/.]+)")
    def modify_recordings(
        self, request: Request, session_recording_id: str, *args: Any, **kwargs: Any
    ) -> Response:
        playlist = self._playlist()
        if request.method == "DELETE":
            playlist_remove_recording(playlist=playlist, session_id=session_recording_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        playlist_add_recording(playlist=playlist, session_id=session_recording_id)
        return Response({"success": True})

    @extend_schema(
        request=s.SessionRecordingIdsInputSerializer,
        description="Pin up to 20 recordings at once; ids unknown in this environment are skipped, listed "
        "in `not_found`.",
        responses={200: s.BulkAddResultSerializer, **_ERRORS},
    )
    @action(methods=["POST"], detail=True, url_path="recordings/bulk_add")
    def bulk_add_recordings(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playlist = self._playlist()
        data = s.SessionRecordingIdsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = playlist_add_recordings(
            playlist=playlist, session_ids=data.validated_data["session_recording_ids"]
        )
        return Response(
            {
                "success": True,
                "added_count": result.added_count,
                "total_requested": result.total_requested,
                "not_found": result.not_found,
            }
        )

    @extend_schema(
        request=s.SessionRecordingIdsInputSerializer,
        description="Unpin up to 20 recordings at once; ids that are not pinned are ignored.",
        responses={200: s.BulkDeleteResultSerializer, **_ERRORS},
    )
    @action(methods=["POST"], detail=True, url_path="recordings/bulk_delete")
    def bulk_delete_recordings(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playlist = self._playlist()
        data = s.SessionRecordingIdsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session_ids = data.validated_data["session_recording_ids"]
        deleted = playlist_remove_recordings(playlist=playlist, session_ids=session_ids)
        return Response({"success": True, "deleted_count": deleted, "total_requested": len(session_ids)})

    @extend_schema(
        request=None,
        description="Record that you opened this playlist now (PostHog's `playlist_viewed`).",
        responses={200: s.SuccessSerializer, **_ERRORS},
    )
    @action(methods=["POST"], detail=True)
    def playlist_viewed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        playlist_viewed_record(playlist=self._playlist(), user=self._user())
        return Response({"success": True})

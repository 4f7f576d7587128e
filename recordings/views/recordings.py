"""``/api/{projects|environments}/{id}/session_recordings/`` — the recordings viewset.

Thin: validate → one selector/service → serialize. Scopes (``session_recording``): reads are
``list``, ``retrieve``, ``viewed``, ``similar_sessions``, ``matching_events``, ``properties``,
``batch_check_exists`` and ``summarize`` (POSTs that compute, store nothing); writes are
``update``/``partial_update``, ``destroy``, ``persist``, ``bulk_delete``, ``bulk_viewed``,
``bulk_not_viewed``. A sharing token
(resource grant) may ``retrieve`` its recording, serialized with the reduced shared serializer.
"""

from __future__ import annotations

import builtins
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.filters import query_params_decode
from recordings.listing import RecordingsPagination, recordings_list_response
from recordings.models import SessionRecording
from recordings.selectors import (
    SESSION_ID_MAX_LENGTH,
    session_recording_find,
    session_recording_viewed_state,
    session_recordings_enrichment,
    session_recordings_visible,
)
from recordings.serializers import SessionRecordingSerializer, SessionRecordingSharedSerializer
from recordings.services import (
    session_recording_delete,
    session_recording_mark_viewed,
    session_recording_persist,
    session_recordings_bulk_delete,
    session_recordings_bulk_viewed,
)
from recordings.similarity import session_recording_similar
from recordings.summaries import session_recording_summarize
from recordings.views import bodies
from recordings.views.actions import ListActionsMixin
from recordings.views.docs import LIST_DESCRIPTION, LIST_PARAMETERS, JSONParametersAutoSchema, errors
from recordings_api.grants import ResourceGrant
from recordings_api.lookups import lookup_value_is_storable
from recordings_api.pagination import parse_non_negative_int
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import DEFAULT_THROTTLES

NOT_FOUND = "Recording not found"
SIMILAR_DEFAULT_LIMIT, SIMILAR_MAX_LIMIT = 10, 50
_ID = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The recording's session id."
)


def _session_id(value: str) -> str:
    """The session id of the URL; one no recording can have is a 404."""
    if not lookup_value_is_storable(value, max_length=SESSION_ID_MAX_LENGTH):
        raise NotFound(NOT_FOUND)
    return value


class SessionRecordingViewSet(EnvironmentScopedViewSetMixin, ListActionsMixin, viewsets.GenericViewSet):
    scope_object = "session_recording"
    scope_read_actions = (
        "list",
        "retrieve",
        "viewed",
        "similar_sessions",
        "summarize",
        "matching_events",
        "properties",
        "batch_check_exists",
    )
    scope_write_actions = (
        "update",
        "partial_update",
        "destroy",
        "persist",
        "bulk_delete",
        "bulk_viewed",
        "bulk_not_viewed",
    )
    grant_enabled_actions = ("retrieve",)
    openapi_tag = "Session recordings"
    queryset = SessionRecording.objects.all()
    serializer_class = SessionRecordingSerializer
    pagination_class = RecordingsPagination
    throttle_classes = DEFAULT_THROTTLES
    lookup_field = "session_id"
    lookup_url_kwarg = "id"
    schema = JSONParametersAutoSchema()

    def safely_get_queryset(self) -> QuerySet[SessionRecording]:
        return session_recordings_visible(environment=self.environment)

    def safely_get_object(self, queryset: QuerySet[Any], lookup_value: str) -> Model:
        recording = session_recording_find(environment=self.environment, session_id=lookup_value)
        if recording is None:
            raise NotFound(NOT_FOUND)
        return recording

    def _recording(self) -> SessionRecording:
        recording = self.get_object()
        assert isinstance(recording, SessionRecording)
        return recording

    def _serialize(
        self, recording: SessionRecording, serializer_class: type = SessionRecordingSerializer
    ) -> Any:
        enrichment = session_recordings_enrichment(
            environment=self.environment, recordings=[recording], user=self.request.user
        )
        context = {**self.get_serializer_context(), "enrichment": enrichment}
        return serializer_class(recording, context=context).data

    @extend_schema(
        description=LIST_DESCRIPTION,
        parameters=LIST_PARAMETERS,
        responses={200: SessionRecordingSerializer(many=True), **errors(400, 401, 403)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = query_params_decode(request.query_params)
        return recordings_list_response(request=request, environment=self.environment, filters=filters)

    @extend_schema(
        parameters=[_ID],
        description="One recording. With a sharing token only `id`, `recording_duration`, `start_time` and "
        "`end_time` are returned.",
        responses={200: SessionRecordingSerializer, **errors(400, 401, 403, 404)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording()
        if isinstance(request.auth, ResourceGrant):
            return Response(SessionRecordingSharedSerializer(recording).data)
        return Response(self._serialize(recording))

    @extend_schema(
        parameters=[_ID],
        request=bodies.RecordingUpdateSerializer,
        description="Mark the recording viewed (`viewed: true`) or analyzed. At least one of them must be "
        "true, unless the body only carries read-only fields of the recording (as in the published "
        "example `-d distinct_id=…`): those are accepted and ignored. Nothing else is writable. "
        "Returns the recording plus PostHog's `success: true`.",
        responses={200: bodies.RecordingUpdatedSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording()
        # partial: fields a form body leaves out stay unset (DRF would read an absent checkbox as false).
        body = bodies.RecordingUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("viewed"):
            session_recording_mark_viewed(
                environment=self.environment, session_id=recording.session_id, user=request.user
            )
        return Response(self._serialize(recording, bodies.RecordingUpdatedSerializer))

    @extend_schema(
        parameters=[_ID],
        request=bodies.RecordingUpdateSerializer,
        description="Same as PATCH (PostHog routes both to one update).",
        responses={200: bodies.RecordingUpdatedSerializer, **errors(400, 401, 403, 404)},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        parameters=[_ID],
        description="Delete the recording permanently: it disappears at once (metadata, events, "
        "viewed marks; "
        "ingestion drops late data) and its blobs and live buffer are removed in the background. "
        "Idempotent: deleting an already deleted recording is 204 again; an id this environment never had "
        "is 404.",
        responses={204: OpenApiResponse(description="Deleted."), **errors(400, 401, 403, 404)},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            session_recording_delete(
                environment=self.environment, session_id=_session_id(kwargs["id"]), user=request.user
            )
        except SessionRecording.DoesNotExist:
            raise NotFound(NOT_FOUND) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[_ID],
        request=None,
        description="Keep the recording past its retention period (long-term storage): `storage` becomes "
        "`object_storage_lts`, `expiry_time`/`recording_ttl` become null. Idempotent.",
        responses={200: bodies.RecordingActionSuccessSerializer, **errors(400, 401, 403, 404)},
    )
    @action(methods=["POST"], detail=True)
    def persist(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session_recording_persist(recording=self._recording())
        return Response({"success": True})

    @extend_schema(
        parameters=[_ID],
        description="Whether you viewed the recording and how many other users did.",
        responses={200: bodies.RecordingViewedStateSerializer, **errors(400, 401, 403, 404)},
    )
    @action(methods=["GET"], detail=True)
    def viewed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording()
        state = session_recording_viewed_state(
            environment=self.environment, session_id=recording.session_id, user=request.user
        )
        return Response(state)

    @extend_schema(
        parameters=[
            _ID,
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1},
                OpenApiParameter.QUERY,
                description="How many (default 10; values above 50 are capped to 50).",
            ),
        ],
        description="Recordings of this environment most similar to this one, ranked by the Jaccard index of "
        "their visited pages (scheme, host and path) and event names; the 2,000 most recent recordings are "
        "compared and those sharing nothing are left out. Ties: newer first.",
        responses={200: bodies.SimilarRecordingsSerializer, **errors(400, 401, 403, 404)},
    )
    @action(methods=["GET"], detail=True)
    def similar_sessions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        limit = min(
            parse_non_negative_int(request, "limit", SIMILAR_DEFAULT_LIMIT, minimum=1), SIMILAR_MAX_LIMIT
        )
        recording = self._recording()
        similar = session_recording_similar(environment=self.environment, recording=recording, limit=limit)
        return Response(bodies.SimilarRecordingsSerializer({"count": len(similar), "results": similar}).data)

    @extend_schema(
        parameters=[_ID],
        request=None,
        description="A deterministic summary built from the recording's own data (no AI service): pages "
        "visited with time on each, clicks, rage clicks (3+ clicks within 1 s on one spot, plus posthog-js "
        "`$rageclick` events), errors (console counts and `$exception` events) and idle periods "
        "(60 s+ without "
        "events). A POST because PostHog's API defines it as one, but it only reads: nothing is stored "
        "or changed, so `session_recording:read` is enough (like a search).",
        responses={200: bodies.RecordingSummarySerializer, **errors(400, 401, 403, 404)},
    )
    @action(methods=["POST"], detail=True)
    def summarize(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording()
        return Response(session_recording_summarize(environment=self.environment, recording=recording))

    def _bulk_ids(self, request: Request) -> builtins.list[str]:
        body = bodies.RecordingsBulkIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return list(dict.fromkeys(body.validated_data["session_recording_ids"]))

    @extend_schema(
        request=bodies.RecordingsBulkIdsSerializer,
        description="Delete up to 100 recordings (like DELETE on each). Ids this environment does not "
        "have are "
        "skipped and not counted.",
        responses={200: bodies.RecordingsBulkDeleteResultSerializer, **errors(400, 401, 403)},
    )
    @action(methods=["POST"], detail=False)
    def bulk_delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session_ids = self._bulk_ids(request)
        deleted = session_recordings_bulk_delete(
            environment=self.environment, session_ids=session_ids, user=request.user
        )
        return Response(
            {"success": True, "deleted_count": deleted, "total_requested": len(session_ids), "failed_ids": []}
        )

    @extend_schema(
        request=bodies.RecordingsBulkIdsSerializer,
        description="Mark up to 100 recordings viewed by you; `viewed_count` counts those that exist.",
        responses={200: bodies.RecordingsBulkViewedResultSerializer, **errors(400, 401, 403)},
    )
    @action(methods=["POST"], detail=False)
    def bulk_viewed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session_ids = self._bulk_ids(request)
        count = session_recordings_bulk_viewed(
            environment=self.environment, session_ids=session_ids, user=request.user, viewed=True
        )
        return Response({"success": True, "viewed_count": count, "total_requested": len(session_ids)})

    @extend_schema(
        request=bodies.RecordingsBulkIdsSerializer,
        description="Remove your viewed mark from up to 100 recordings.",
        responses={200: bodies.RecordingsBulkNotViewedResultSerializer, **errors(400, 401, 403)},
    )
    @action(methods=["POST"], detail=False)
    def bulk_not_viewed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session_ids = self._bulk_ids(request)
        count = session_recordings_bulk_viewed(
            environment=self.environment, session_ids=session_ids, user=request.user, viewed=False
        )
        return Response({"success": True, "not_viewed_count": count, "total_requested": len(session_ids)})


__all__ = ["SessionRecordingViewSet"]

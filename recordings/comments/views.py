"""``…/comments/``: comments on recordings, PostHog's comments API for ``scope: "Replay"``.

List (``?scope=Replay&item_id=…``) and retrieve hide deleted comments; PATCH/PUT still reach
them (``{"deleted": false}`` restores one); DELETE is not routed: a 405 (``SoftDeleteOnlyMixin``;
``{"deleted": true}`` hides one). The recordings list's ``comment_text`` filter matches them.
Scopes: ``comment:read|write``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.comments.serializers import (
    REPLAY_SCOPE,
    RecordingCommentCreateSerializer,
    RecordingCommentListParamsSerializer,
    RecordingCommentSerializer,
    RecordingCommentUpdateSerializer,
)
from recordings.comments.services import recording_comment_create, recording_comment_update
from recordings.models import RecordingComment
from recordings_api.serializers import ApiErrorSerializer
from recordings_api.soft_delete import SoftDeleteOnlyMixin
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import DEFAULT_THROTTLES

_ERRORS = {
    400: OpenApiResponse(ApiErrorSerializer, description="Validation error (`attr` names the field)."),
    404: OpenApiResponse(ApiErrorSerializer, description="No such comment in this environment."),
}


class RecordingCommentViewSet(SoftDeleteOnlyMixin, EnvironmentScopedViewSetMixin, viewsets.GenericViewSet):
    scope_object = "comment"
    openapi_tag = "comments"
    queryset = RecordingComment.objects.all()
    serializer_class = RecordingCommentSerializer
    throttle_classes = DEFAULT_THROTTLES
    lookup_value_regex = r"[^/.]+"

    def safely_get_queryset(self) -> QuerySet[RecordingComment]:
        queryset = RecordingComment.objects.select_related("created_by")
        if self.action in ("update", "partial_update"):
            return queryset
        return queryset.filter(deleted=False)

    def safely_get_object(self, queryset: QuerySet[Any], lookup_value: str) -> Model:
        try:
            comment = queryset.filter(pk=uuid.UUID(lookup_value)).first()
        except ValueError:
            comment = None
        if comment is None:
            raise NotFound("Comment not found.")
        return comment

    def _comment(self) -> RecordingComment:
        comment = self.get_object()
        assert isinstance(comment, RecordingComment)
        return comment

    @extend_schema(
        parameters=[RecordingCommentListParamsSerializer],
        responses={200: RecordingCommentSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = RecordingCommentListParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        queryset = self.get_queryset().order_by("-created_at", "id")
        if params.validated_data.get("scope") not in (None, REPLAY_SCOPE):
            queryset = queryset.none()
        if params.validated_data.get("item_id"):
            queryset = queryset.filter(session_id=params.validated_data["item_id"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RecordingCommentSerializer(page, many=True).data)

    @extend_schema(responses={200: RecordingCommentSerializer, 404: _ERRORS[404]})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(RecordingCommentSerializer(self._comment()).data)

    @extend_schema(
        request=RecordingCommentCreateSerializer,
        responses={201: RecordingCommentSerializer, 400: _ERRORS[400]},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = RecordingCommentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = recording_comment_create(
            environment=self.environment,
            user=request.user if request.user.is_authenticated else None,
            session_id=body.validated_data["item_id"],
            content=body.validated_data["content"],
            item_context=body.validated_data.get("item_context"),
        )
        return Response(RecordingCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    def _update(self, request: Request) -> Response:
        comment = self._comment()
        # partial: fields a form body leaves out stay unset (DRF would read an absent checkbox as false).
        body = RecordingCommentUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(
            RecordingCommentSerializer(
                recording_comment_update(comment=comment, changes=body.validated_data)
            ).data
        )

    @extend_schema(
        request=RecordingCommentUpdateSerializer,
        description='Edit `content` / `item_context`; `{"deleted": true}` hides the comment.',
        responses={200: RecordingCommentSerializer, **_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request)

    @extend_schema(
        request=RecordingCommentUpdateSerializer,
        description="Same as PATCH: fields left out are unchanged.",
        responses={200: RecordingCommentSerializer, **_ERRORS},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request)

"""``…/actions/``: PostHog's action definitions, used by the recordings ``actions`` filter.

List and retrieve hide deleted actions; PATCH/PUT still reach them (``{"deleted": false}``
restores one); DELETE is not routed: a 405 as in PostHog (``SoftDeleteOnlyMixin``). Scopes:
PostHog's ``action:read`` / ``action:write``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.actions.serializers import ActionInputSerializer, ActionSerializer
from recordings.actions.services import action_create, action_update
from recordings.models import Action
from recordings_api.serializers import ApiErrorSerializer
from recordings_api.soft_delete import SoftDeleteOnlyMixin
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import DEFAULT_THROTTLES

_ERRORS = {
    400: OpenApiResponse(ApiErrorSerializer, description="Validation error (`attr` names the field)."),
    404: OpenApiResponse(ApiErrorSerializer, description="No such action in this environment."),
}


class ActionViewSet(SoftDeleteOnlyMixin, EnvironmentScopedViewSetMixin, viewsets.GenericViewSet):
    scope_object = "action"
    openapi_tag = "actions"
    queryset = Action.objects.all()
    serializer_class = ActionSerializer
    throttle_classes = DEFAULT_THROTTLES
    lookup_value_regex = r"[^/.]+"

    def safely_get_queryset(self) -> QuerySet[Action]:
        queryset = Action.objects.select_related("created_by")
        if self.action in ("update", "partial_update"):
            return queryset  # a deleted action can still be restored
        return queryset.filter(deleted=False)

    def safely_get_object(self, queryset: QuerySet[Any], lookup_value: str) -> Model:
        action = queryset.filter(pk=int(lookup_value)).first() if lookup_value.isdigit() else None
        if action is None:
            raise NotFound("Action not found.")
        return action

    @extend_schema(
        description="The environment's actions (deleted ones excluded), by name.",
        responses={200: ActionSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset().order_by("name", "id"))
        return self.get_paginated_response(ActionSerializer(page, many=True).data)

    @extend_schema(responses={200: ActionSerializer, 404: _ERRORS[404]})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action = self.get_object()
        assert isinstance(action, Action)
        return Response(ActionSerializer(action).data)

    @extend_schema(request=ActionInputSerializer, responses={201: ActionSerializer, 400: _ERRORS[400]})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ActionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        action = action_create(environment=self.environment, user=user, fields=body.validated_data)
        return Response(ActionSerializer(action).data, status=status.HTTP_201_CREATED)

    def _update(self, request: Request) -> Response:
        action = self.get_object()
        assert isinstance(action, Action)
        # partial: fields a form body leaves out stay unset (DRF would read an absent checkbox as false).
        body = ActionInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(ActionSerializer(action_update(action=action, changes=body.validated_data)).data)

    @extend_schema(
        request=ActionInputSerializer,
        description='Update fields; `{"deleted": true}` hides the action, `{"deleted": false}` restores it.',
        responses={200: ActionSerializer, **_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request)

    @extend_schema(
        request=ActionInputSerializer,
        description="Same as PATCH: fields left out are unchanged.",
        responses={200: ActionSerializer, **_ERRORS},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request)

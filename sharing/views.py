"""``…/session_recordings/{recording_id}/sharing``: the recording's sharing configuration.

GET reads it (an unsaved disabled one if never shared), PATCH ``{enabled, settings,
password_required}`` changes it, ``POST …/sharing/refresh`` rotates the token, ``POST
…/sharing/passwords`` adds a share password and ``DELETE …/sharing/passwords/{id}`` removes
one. The configuration is a singleton under its recording, so GET and PATCH share the
collection URL (as in PostHog); see ``as_view``.
"""

from __future__ import annotations

from typing import Any

from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.models import SessionRecording
from recordings.selectors import session_recording_find
from recordings_api.errors import endpoint_not_found
from recordings_api.openapi import AutoSchema
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import DEFAULT_THROTTLES
from sharing.models import SharingConfiguration
from sharing.passwords import share_password_create, share_password_delete
from sharing.selectors import sharing_configuration_get
from sharing.serializers import (
    SharePasswordCreatedSerializer,
    SharePasswordCreateSerializer,
    SharingConfigurationSerializer,
    SharingConfigurationUpdateSerializer,
)
from sharing.services import sharing_configuration_refresh, sharing_configuration_update

_RECORDING_ID = OpenApiParameter(
    "recording_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The session id of the recording (as sent by posthog-js in `$session_id`).",
)


class SingleObjectSchema(AutoSchema):
    """The ``list`` action here returns one object, not an array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


@extend_schema_view(
    list=extend_schema(
        summary="Retrieve a recording's sharing configuration",
        description=(
            "The recording's sharing configuration. A recording that was never shared gets a disabled, "
            "unsaved configuration (`created_at` null) whose token opens nothing."
        ),
        responses={200: SharingConfigurationSerializer},
    ),
    partial_update=extend_schema(
        summary="Enable or disable sharing, or change the shared page's settings",
        description=(
            "Enabling makes `/shared/{access_token}`, `/embedded/{access_token}` and the API's "
            "`?sharing_access_token=` work for this one recording (read only) and keeps the recording "
            "past retention. Disabling stops every token of the recording at once."
        ),
        request=SharingConfigurationUpdateSerializer,
        responses={200: SharingConfigurationSerializer},
    ),
    create_password=extend_schema(
        summary="Add a share password",
        description=(
            "A password that opens the recording's password-protected share (`password_required: true`). "
            "The plaintext is returned once, here; only its hash is stored. Without `raw_password` one "
            "is generated."
        ),
        request=SharePasswordCreateSerializer,
        responses={201: SharePasswordCreatedSerializer},
    ),
    delete_password=extend_schema(
        summary="Delete a share password",
        description="Viewers it let in lose access at once. 404 for an unknown id.",
        parameters=[
            OpenApiParameter("password_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Its `id`.")
        ],
        responses={204: None},
    ),
    refresh=extend_schema(
        summary="Rotate the sharing token",
        description=(
            "Issues a new access token with the same state. The previous token keeps working for a short "
            "grace period (`SHARING_TOKEN_GRACE_SECONDS`, default 300 s), then answers 401."
        ),
        request=None,
        responses={200: SharingConfigurationSerializer},
    ),
)
@extend_schema(parameters=[_RECORDING_ID])
class SharingConfigurationViewSet(EnvironmentScopedViewSetMixin, viewsets.GenericViewSet):
    scope_object = "sharing_configuration"
    scope_read_actions = ("list",)
    scope_write_actions = ("partial_update", "refresh", "create_password", "delete_password")
    openapi_tag = "sharing"
    queryset = SharingConfiguration.objects.all()
    serializer_class = SharingConfigurationSerializer
    pagination_class = None
    throttle_classes = DEFAULT_THROTTLES
    schema = SingleObjectSchema()

    @classmethod
    def as_view(cls, actions: dict[str, Any] | None = None, **initkwargs: Any) -> Any:
        """Serve PATCH on the collection URL; there is no ``sharing/{id}`` URL.

        The router maps PATCH to ``partial_update`` only on a detail route. This configuration
        has no id of its own (it is the recording's), so PATCH joins GET on the collection
        route and the generated detail route answers the API's JSON 404.
        """
        if initkwargs.get("detail") and actions and set(actions.values()) == {"partial_update"}:
            # Bearer-key clients carry no CSRF cookie: the 404 must not be turned into Django's
            # HTML CSRF page (DRF views are CSRF-exempt; this plain view must be too).
            return csrf_exempt(endpoint_not_found)
        if actions and actions.get("get") == "list":
            actions = {**actions, "patch": "partial_update"}
        return super().as_view(actions, **initkwargs)

    def _recording(self, session_id: str) -> SessionRecording:
        recording = session_recording_find(environment=self.environment, session_id=session_id)
        if recording is None:
            raise NotFound("Recording not found.")
        return recording

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording(kwargs["recording_id"])
        configuration = sharing_configuration_get(recording=recording)
        return Response(self.get_serializer(configuration).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording(kwargs["recording_id"])
        # partial: fields a form body leaves out stay unset (DRF would read an absent checkbox as false).
        serializer = SharingConfigurationUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
        changes = {
            key: validated[key] for key in ("enabled", "settings", "password_required") if key in validated
        }
        configuration = sharing_configuration_update(recording=recording, user=_user(request), **changes)
        return Response(self.get_serializer(configuration).data)

    @action(detail=False, methods=["post"])
    def refresh(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording(kwargs["recording_id"])
        configuration = sharing_configuration_refresh(recording=recording, user=_user(request))
        return Response(self.get_serializer(configuration).data, status=status.HTTP_200_OK)

    @action(detail=False, methods=["post"], url_path="passwords")
    def create_password(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording(kwargs["recording_id"])
        body = SharePasswordCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        password, plaintext = share_password_create(
            recording=recording,
            user=_user(request),
            raw_password=body.validated_data.get("raw_password"),
            note=body.validated_data["note"],
        )
        password.plaintext = plaintext  # type: ignore[attr-defined]  # shown this once
        return Response(SharePasswordCreatedSerializer(password).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["delete"], url_path=r"passwords/(?P<password_id>[^/.]+)")
    def delete_password(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recording = self._recording(kwargs["recording_id"])
        share_password_delete(recording=recording, password_id=kwargs["password_id"])
        return Response(status=status.HTTP_204_NO_CONTENT)


def _user(request: Request) -> Any:
    return request.user if request.user and request.user.is_authenticated else None

"""``/api/projects/``, ``/api/projects/{id}/``, ``/api/organizations/{id|@current}/`` and
``/api/users/@me/``: what a client calls first (the published docs send users to
``/api/projects/`` for their project id), in PostHog's shapes.

Scopes are PostHog's: ``project:read``, ``organization:read``, ``user:read`` (``*`` includes them).
Everything is limited to the user's organizations and to what the personal API key's
``scoped_organizations`` / ``scoped_teams`` admit; an unknown id is a 404, someone else's
project or organization (or one the key excludes) a 403, like the environment URLs.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings_api.account_detail_serializers import (
    OrganizationSerializer,
    ProjectSerializer,
    UserMeSerializer,
)
from recordings_api.account_scoping import AccountScopedViewSetMixin
from recordings_api.account_serializers import AccountView, ProjectBasicSerializer
from recordings_api.models import PersonalAPIKey, Project, User
from recordings_api.openapi import common_errors
from recordings_api.selectors import account_organization_get, account_project_get, account_visible_projects
from recordings_api.throttles import DEFAULT_THROTTLES

ME = "@me"


class _AccountViewSet(AccountScopedViewSetMixin, viewsets.GenericViewSet):
    abstract = True
    throttle_classes = DEFAULT_THROTTLES

    def _key(self) -> PersonalAPIKey | None:
        return self.request.auth if isinstance(self.request.auth, PersonalAPIKey) else None

    def _context(self) -> dict[str, Any]:
        user = self.request.user
        assert isinstance(user, User)  # AccountAccessPermission let only an authenticated user in
        return {"request": self.request, "account": AccountView.load(user=user, key=self._key())}


class ProjectViewSet(_AccountViewSet):
    scope_object = "project"
    openapi_tag = "Projects"
    serializer_class = ProjectBasicSerializer
    lookup_value_regex = r"[^/]+"

    def safely_get_queryset(self) -> Any:
        return account_visible_projects(user=self.request.user, key=self._key())

    @extend_schema(
        description="The projects you (and this key) may see, by id; each project's id is the one to use "
        "under `/api/projects/{id}/`.",
        # 400: a limit or offset below its documented minimum.
        responses={200: ProjectBasicSerializer(many=True), **common_errors(400, 401, 403, 404, 429)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = ProjectBasicSerializer(page, many=True, context=self._context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="A project id or `@current`."
            )
        ],
        responses={200: ProjectSerializer, **common_errors(401, 403, 404, 429)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project: Project = account_project_get(user=request.user, key=self._key(), project_id=kwargs["pk"])
        return Response(ProjectSerializer(project, context=self._context()).data)


class OrganizationViewSet(_AccountViewSet):
    scope_object = "organization"
    scope_read_actions = ("retrieve",)
    openapi_tag = "Organizations"
    serializer_class = OrganizationSerializer
    lookup_value_regex = r"[^/]+"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="An organization id or `@current`."
            )
        ],
        responses={200: OrganizationSerializer, **common_errors(401, 403, 404, 429)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = account_organization_get(
            user=request.user, key=self._key(), organization_id=kwargs["pk"]
        )
        return Response(OrganizationSerializer(organization, context=self._context()).data)


class UserViewSet(_AccountViewSet):
    scope_object = "user"
    scope_read_actions = ("retrieve",)
    openapi_tag = "Users"
    serializer_class = UserMeSerializer
    lookup_value_regex = r"[^/]+"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="`@me` or your own uuid."
            )
        ],
        responses={200: UserMeSerializer, **common_errors(401, 403, 404, 429)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = cast(User, request.user)  # AccountAccessPermission admits authenticated users only
        if kwargs["pk"] not in (ME, str(user.uuid)):
            raise NotFound("User not found.")
        return Response(UserMeSerializer(user, context=self._context()).data)

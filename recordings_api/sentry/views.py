"""Discovery on the Sentry face: ``GET /api/0/organizations/``, ``/organizations/{org}/`` and
``/organizations/{org}/projects/`` — what a Sentry client calls to find the slugs and ids it
addresses the replay endpoints with. Lists are bare arrays with Sentry's ``Link`` pagination.

Scopes: ``organization:read`` (Sentry: ``org:read``) for organizations, ``project:read``
(Sentry: ``org:read``, ``project:read``, ``project:write``, ``project:admin``) for projects.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from recordings_api.models import Organization
from recordings_api.sentry.pagination import SentryBareListPagination
from recordings_api.sentry.selectors import sentry_organizations_visible
from recordings_api.sentry.serializers import (
    SentryOrganizationDetailSerializer,
    SentryOrganizationSerializer,
    SentryProjectSerializer,
)
from recordings_api.sentry.tenancy import (
    ORGANIZATION_KWARG,
    SentryAccountScopedViewSetMixin,
    SentryOrganizationScopedViewSetMixin,
)

ORGANIZATIONS_TAG = "Sentry: organizations"


class SentryOrganizationIndexViewSet(SentryAccountScopedViewSetMixin, viewsets.GenericViewSet):
    scope_object = "organization"
    openapi_tag = ORGANIZATIONS_TAG
    serializer_class = SentryOrganizationSerializer
    pagination_class = SentryBareListPagination

    def safely_get_queryset(self) -> Any:
        return sentry_organizations_visible(user=self.request.user, key=self.personal_api_key)

    @extend_schema(
        summary="List your organizations",
        description="The organizations you (and this key) may see, oldest first.",
        responses={200: SentryOrganizationSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class SentryOrganizationDetailsViewSet(SentryOrganizationScopedViewSetMixin, viewsets.GenericViewSet):
    scope_object = "organization"
    scope_read_actions = ("retrieve",)
    openapi_tag = ORGANIZATIONS_TAG
    serializer_class = SentryOrganizationDetailSerializer
    lookup_url_kwarg = ORGANIZATION_KWARG
    lookup_value_regex = r"[^/]+"

    @extend_schema(
        summary="Retrieve an organization",
        responses={200: SentryOrganizationDetailSerializer},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization: Organization = self.organization
        context = {"request": request, "projects": list(self.projects.select_related("project"))}
        return Response(SentryOrganizationDetailSerializer(organization, context=context).data)


class SentryProjectIndexViewSet(SentryOrganizationScopedViewSetMixin, viewsets.GenericViewSet):
    scope_object = "project"
    openapi_tag = ORGANIZATIONS_TAG
    serializer_class = SentryProjectSerializer
    pagination_class = SentryBareListPagination

    @extend_schema(
        summary="List an organization's projects",
        description="Its Sentry projects (our environments; a project's id is the environment id) "
        "you (and this key) may see, by id.",
        responses={200: SentryProjectSerializer(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.projects.select_related("project"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

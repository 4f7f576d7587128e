"""The Sentry face's scoping mixins, on the one guard (``recordings_api.tenancy.ScopeGuard``).

Same rules as every API viewset: ``get_queryset``, ``get_object``, ``get_permissions`` and
``get_authenticators`` may not be overridden (customise through ``safely_get_queryset`` /
``safely_get_object``), each concrete viewset declares ``scope_object`` and maps every action to
a read or write scope. Three levels, by what the URL names:

* ``SentryAccountScopedViewSetMixin`` — nothing (``/api/0/organizations/``): what the request
  may see above organizations (``visible_environments``);
* ``SentryOrganizationScopedViewSetMixin`` — ``{organization_id_or_slug}``: ``organization`` and
  its visible ``projects``; querysets are filtered to those projects (``environment_field``);
* ``SentryProjectScopedViewSetMixin`` — also ``{project_id_or_slug}``: ``environment`` (the
  Sentry project); querysets are filtered to it.

``SentryAccessPermission`` runs, in order: credentials (401 ``Authentication credentials were
not provided.``), the URL's organization and project (404 ``RESOURCE_NOT_FOUND`` for anything the
request may not see), then a personal API key's scope, with Sentry's scope names mapped to ours
(``recordings_api.scopes.SENTRY_SCOPE_GRANTS``; 403 otherwise). Session-authenticated users
(the browsable API) bypass scopes, never membership. Errors are in Sentry's shape
(``errors.sentry_exception_handler``, through DRF's ``get_exception_handler``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings

from recordings_api.models import Environment, Organization, PersonalAPIKey
from recordings_api.scopes import scopes_grant, sentry_scopes_expand
from recordings_api.selectors import account_visible_environments
from recordings_api.sentry.errors import sentry_exception_handler
from recordings_api.sentry.pagination import SentryCursorPagination
from recordings_api.sentry.selectors import (
    sentry_organization_get,
    sentry_project_get,
    sentry_projects_visible,
)
from recordings_api.tenancy import ScopeGuard
from recordings_api.throttles import DEFAULT_THROTTLES

ORGANIZATION_KWARG = "organization_id_or_slug"
PROJECT_KWARG = "project_id_or_slug"


def sentry_key_allows(key: PersonalAPIKey, *, scope_object: str, level: str) -> bool:
    """Whether ``key``'s scopes, Sentry names mapped to ours, open ``scope_object:level``."""
    return scopes_grant(sentry_scopes_expand(key.scopes), scope_object=scope_object, level=level)  # type: ignore[arg-type]


class SentryAccessPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated()
        view.tenancy_resolve()
        key = request.auth
        if isinstance(key, PersonalAPIKey):
            scope_object, level = view.required_scope()
            if not sentry_key_allows(key, scope_object=scope_object, level=level):
                raise PermissionDenied(f"API key missing required scope '{scope_object}:{level}'")
        return True


class SentryAccountScopedViewSetMixin(ScopeGuard):
    scoping_mixin: ClassVar[bool] = True
    throttle_classes = DEFAULT_THROTTLES
    pagination_class = SentryCursorPagination

    @property
    def personal_api_key(self) -> PersonalAPIKey | None:
        return self.request.auth if isinstance(self.request.auth, PersonalAPIKey) else None

    @property
    def visible_environments(self) -> QuerySet[Environment]:
        """What the request may see anywhere (membership, then the key's restrictions)."""
        return account_visible_environments(user=self.request.user, key=self.personal_api_key)

    def tenancy_resolve(self) -> None:
        """Resolve what the URL names (404 when the request may not see it); nothing here."""

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Any]:
        return sentry_exception_handler

    # --- guarded DRF override points --------------------------------------------------------
    def get_authenticators(self) -> list[BaseAuthentication]:
        return [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]  # type: ignore[operator]

    def get_permissions(self) -> list[BasePermission]:
        return [SentryAccessPermission()]

    def get_queryset(self) -> QuerySet[Any]:
        return self.safely_get_queryset()

    def get_object(self) -> Model:
        raise ImproperlyConfigured(f"{type(self).__name__} resolves its objects with selectors.")

    # --- narrow hooks ------------------------------------------------------------------------
    def safely_get_queryset(self) -> QuerySet[Any]:
        """The unscoped queryset; the organization and project mixins add their filter."""
        base: QuerySet[Any] | None = getattr(self, "queryset", None)
        if base is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset or safely_get_queryset().")
        return base.all()


class SentryOrganizationScopedViewSetMixin(SentryAccountScopedViewSetMixin):
    scoping_mixin: ClassVar[bool] = True
    environment_field: ClassVar[str] = "environment"

    @property
    def organization(self) -> Organization:
        cached: Organization | None = getattr(self, "_organization", None)
        if cached is None:
            cached = sentry_organization_get(
                user=self.request.user, key=self.personal_api_key, id_or_slug=self.kwargs[ORGANIZATION_KWARG]
            )
            self._organization = cached
        return cached

    @property
    def projects(self) -> QuerySet[Environment]:
        """The organization's Sentry projects (environments) the request may see."""
        return sentry_projects_visible(
            organization=self.organization, user=self.request.user, key=self.personal_api_key
        )

    def tenancy_resolve(self) -> None:
        self.organization  # noqa: B018 (resolving raises the 404)

    def get_queryset(self) -> QuerySet[Any]:
        return self.safely_get_queryset().filter(**{f"{self.environment_field}__in": self.projects})

    def get_object(self) -> Model:
        lookup_kwarg = self.lookup_url_kwarg or self.lookup_field
        queryset = self.filter_queryset(self.get_queryset())
        obj = self.safely_get_object(queryset, self.kwargs[lookup_kwarg])
        self.check_object_permissions(self.request, obj)
        return obj

    def safely_get_object(self, queryset: QuerySet[Any], lookup_value: str) -> Model:
        """The object from an already scoped ``queryset``; 404 when absent."""
        return get_object_or_404(queryset, **{self.lookup_field: lookup_value})


class SentryProjectScopedViewSetMixin(SentryOrganizationScopedViewSetMixin):
    scoping_mixin: ClassVar[bool] = True

    @property
    def environment(self) -> Environment:
        """The Sentry project of the URL (one of our environments)."""
        cached: Environment | None = getattr(self, "_environment", None)
        if cached is None:
            cached = sentry_project_get(
                organization=self.organization,
                user=self.request.user,
                key=self.personal_api_key,
                id_or_slug=self.kwargs[PROJECT_KWARG],
            )
            self._environment = cached
        return cached

    def tenancy_resolve(self) -> None:
        self.environment  # noqa: B018 (resolving raises the 404)

    def get_queryset(self) -> QuerySet[Any]:
        return self.safely_get_queryset().filter(**{self.environment_field: self.environment})

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["environment"] = self.environment
        return context

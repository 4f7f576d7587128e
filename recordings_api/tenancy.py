"""The one tenancy mixin every environment-scoped viewset uses, and the guard under it.

``ScopeGuard`` holds the rules every API viewset follows, whichever scoping mixin it uses: it
may not override ``get_queryset``, ``get_object``, ``get_permissions`` or ``get_authenticators``
(a TypeError at import; subclasses customise through ``safely_get_queryset`` and
``safely_get_object``). The check compares the *resolved* methods with the scoping mixin's own,
so a mixin listed before it (or a base listed before it) that defines one of them fails too.
Each concrete viewset declares ``scope_object``; every action it serves must be listed in
``scope_read_actions`` or ``scope_write_actions`` or the class fails to import. The mapping is
recorded in ``SCOPE_REGISTRY`` for the completeness test.

``EnvironmentScopedViewSetMixin`` (this module) resolves the environment from the URL, filters
every queryset by it, runs the access and scope permissions and object permissions;
``recordings_api.account_scoping`` scopes the few endpoints above environments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.module_loading import import_string
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.viewsets import GenericViewSet, ViewSetMixin

from recordings_api.access_cache import request_generation
from recordings_api.models import Environment
from recordings_api.permissions import APIScopePermission, EnvironmentAccessPermission
from recordings_api.scopes import SCOPE_OBJECTS, AccessLevel, ScopeObject
from recordings_api.selectors import environment_for_route

GUARDED_METHODS = ("get_queryset", "get_object", "get_permissions", "get_authenticators")
STANDARD_ACTIONS = ("list", "retrieve", "create", "update", "partial_update", "destroy")
DEFAULT_READ_ACTIONS = ("list", "retrieve")
DEFAULT_WRITE_ACTIONS = ("create", "update", "partial_update", "destroy")

SCOPE_REGISTRY: dict[type, dict[str, tuple[ScopeObject, AccessLevel]]] = {}

if TYPE_CHECKING:
    # Type-check the mixin as the GenericViewSet it is always combined with; at run time it
    # stays a plain mixin.
    _GenericViewSet = GenericViewSet
else:
    _GenericViewSet = object


def resource_grant_authentication_classes() -> list[type[BaseAuthentication]]:
    """Authenticators that yield a ``ResourceGrant`` (``RESOURCE_GRANT_AUTHENTICATION_CLASSES``)."""
    return [import_string(path) for path in settings.RESOURCE_GRANT_AUTHENTICATION_CLASSES]


def _served_actions(cls: type) -> set[str]:
    actions = {name for name in STANDARD_ACTIONS if callable(getattr(cls, name, None))}
    for extra in cls.get_extra_actions():  # type: ignore[attr-defined]
        # An extra action may route methods to other functions (``@archive.mapping.delete``).
        actions.add(extra.__name__)
        actions.update(extra.mapping.values())
    return actions


def _scoping_mixin(cls: type) -> type:
    """The nearest class of ``cls``'s bases that declares itself a scoping mixin."""
    return next(base for base in cls.__mro__[1:] if base.__dict__.get("scoping_mixin", False))


def _shadowed_guards(cls: type) -> list[str]:
    """Guarded methods whose resolved definition on ``cls`` is not its scoping mixin's own."""
    mixin = _scoping_mixin(cls)
    return [name for name in GUARDED_METHODS if getattr(cls, name, None) is not getattr(mixin, name)]


def _scope_mapping(cls: Any) -> dict[str, tuple[ScopeObject, AccessLevel]]:
    scope_object = getattr(cls, "scope_object", None)
    if scope_object not in SCOPE_OBJECTS:
        raise ImproperlyConfigured(f"{cls.__name__} must declare scope_object (one of {SCOPE_OBJECTS}).")
    mapping: dict[str, tuple[ScopeObject, AccessLevel]] = {}
    for action in sorted(_served_actions(cls)):
        if action in cls.scope_read_actions:
            mapping[action] = (scope_object, "read")
        elif action in cls.scope_write_actions:
            mapping[action] = (scope_object, "write")
        else:
            raise ImproperlyConfigured(f"{cls.__name__}.{action} is not mapped to a read or write scope.")
    return mapping


class ScopeGuard(_GenericViewSet):
    """The rules of every API viewset (module docstring); scoping mixins set ``scoping_mixin``."""

    scope_object: ClassVar[ScopeObject]
    scope_read_actions: ClassVar[tuple[str, ...]] = DEFAULT_READ_ACTIONS
    scope_write_actions: ClassVar[tuple[str, ...]] = DEFAULT_WRITE_ACTIONS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("scoping_mixin", False):
            return
        overridden = _shadowed_guards(cls)
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides or shadows {', '.join(overridden)}; "
                "customise through safely_get_queryset/safely_get_object instead."
            )
        if issubclass(cls, ViewSetMixin) and not cls.__dict__.get("abstract", False):
            SCOPE_REGISTRY[cls] = _scope_mapping(cls)

    def required_scope(self) -> tuple[ScopeObject, AccessLevel]:
        """The scope the current action needs; OPTIONS (metadata) needs read."""
        action = self.action or "metadata"
        if action == "metadata":
            return self.scope_object, "read"
        return SCOPE_REGISTRY[type(self)][action]


class EnvironmentScopedViewSetMixin(ScopeGuard):
    scoping_mixin: ClassVar[bool] = True
    environment_field: ClassVar[str] = "environment"
    # Actions a resource grant (a sharing token) may reach; the grant then decides per object.
    # Grants on any other action are refused with 403.
    grant_enabled_actions: ClassVar[tuple[str, ...]] = ()

    # --- environment -----------------------------------------------------------------------
    @property
    def environment(self) -> Environment:
        cached: Environment | None = getattr(self, "_environment", None)
        if cached is None:
            cached = environment_for_route(
                project_id=self.kwargs.get("project_id"),
                environment_id=self.kwargs.get("environment_id"),
                user=self.request.user,
                generation=request_generation(self.request),
            )
            self._environment = cached
        return cached

    # --- guarded DRF override points --------------------------------------------------------
    def get_authenticators(self) -> list[BaseAuthentication]:
        # Grant authenticators come first everywhere, so that a sharing token used on an action it
        # does not open is a 403 from the permission, not a 401 from a missing authenticator.
        defaults: list[type[BaseAuthentication]] = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)  # type: ignore[arg-type]
        return [auth() for auth in (*resource_grant_authentication_classes(), *defaults)]

    def get_permissions(self) -> list[BasePermission]:
        return [EnvironmentAccessPermission(), APIScopePermission()]

    def get_queryset(self) -> QuerySet[Any]:
        return self.safely_get_queryset().filter(**{self.environment_field: self.environment})

    def get_object(self) -> Model:
        lookup_kwarg = self.lookup_url_kwarg or self.lookup_field
        queryset = self.filter_queryset(self.get_queryset())
        obj = self.safely_get_object(queryset, self.kwargs[lookup_kwarg])
        self.check_object_permissions(self.request, obj)
        return obj

    # --- narrow hooks ------------------------------------------------------------------------
    def safely_get_queryset(self) -> QuerySet[Any]:
        """The unscoped queryset; the mixin adds the environment filter. Override to refine."""
        base: QuerySet[Any] | None = getattr(self, "queryset", None)
        if base is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset or safely_get_queryset().")
        return base.all()

    def safely_get_object(self, queryset: QuerySet[Any], lookup_value: str) -> Model:
        """The object from an already environment-scoped ``queryset``; 404 when absent."""
        return get_object_or_404(queryset, **{self.lookup_field: lookup_value})

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["environment"] = self.environment
        return context

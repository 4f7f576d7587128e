"""The guard of the few endpoints above environments: ``/api/projects/``, ``/api/organizations/…``,
``/api/users/@me/`` (what clients call first, to find their project id).

``AccountScopedViewSetMixin`` is the counterpart of ``tenancy.EnvironmentScopedViewSetMixin`` for
them, with the same rules: each concrete viewset declares ``scope_object`` and maps every action
to a read or write scope (recorded in ``tenancy.SCOPE_REGISTRY``), or the class fails to import;
``get_queryset``, ``get_object``, ``get_permissions`` and ``get_authenticators`` may not be
overridden. What a request may see is ``account_visible_environments``: the environments of the
user's organizations, narrowed by the personal API key's ``scoped_organizations`` /
``scoped_teams``. Sharing tokens open nothing here (401: they are not credentials of these views).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.viewsets import GenericViewSet, ViewSetMixin

from recordings_api.models import Environment, PersonalAPIKey
from recordings_api.scopes import SCOPE_OBJECTS, AccessLevel, ScopeObject, scopes_grant
from recordings_api.selectors import account_visible_environments
from recordings_api.tenancy import GUARDED_METHODS, SCOPE_REGISTRY, _served_actions


class AccountAccessPermission(BasePermission):
    """An authenticated user; a personal API key needs the action's scope (403 otherwise)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated()
        key = request.auth
        if isinstance(key, PersonalAPIKey):
            scope_object, level = view.required_scope()
            if not scopes_grant(key.scopes, scope_object=scope_object, level=level):
                raise PermissionDenied(f"API key missing required scope '{scope_object}:{level}'")
        return True


def _shadowed_guards(cls: type) -> list[str]:
    """Guarded methods whose resolved definition on ``cls`` is not the mixin's own."""
    return [
        name
        for name in GUARDED_METHODS
        if getattr(cls, name, None) is not getattr(AccountScopedViewSetMixin, name)
    ]


if TYPE_CHECKING:
    # Type-check the mixin as the GenericViewSet it is always combined with (as the environment
    # guard does); at run time it stays a plain mixin.
    _GenericViewSet = GenericViewSet
else:
    _GenericViewSet = object


class AccountScopedViewSetMixin(_GenericViewSet):
    scope_object: ClassVar[ScopeObject]
    scope_read_actions: ClassVar[tuple[str, ...]] = ("list", "retrieve")
    scope_write_actions: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = _shadowed_guards(cls)
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides or shadows {', '.join(overridden)}; "
                "customise through safely_get_queryset."
            )
        if not issubclass(cls, ViewSetMixin) or cls.__dict__.get("abstract", False):
            return
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
        SCOPE_REGISTRY[cls] = mapping

    def required_scope(self) -> tuple[ScopeObject, AccessLevel]:
        action = self.action or "metadata"
        if action == "metadata":
            return self.scope_object, "read"
        return SCOPE_REGISTRY[type(self)][action]

    @property
    def visible_environments(self) -> QuerySet[Environment]:
        """The environments this request may see (membership, then the key's restrictions)."""
        key = self.request.auth if isinstance(self.request.auth, PersonalAPIKey) else None
        return account_visible_environments(user=self.request.user, key=key)

    # --- guarded DRF override points --------------------------------------------------------
    def get_authenticators(self) -> list[BaseAuthentication]:
        return [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]  # type: ignore[operator]

    def get_permissions(self) -> list[BasePermission]:
        return [AccountAccessPermission()]

    def get_queryset(self) -> QuerySet[Any]:
        return self.safely_get_queryset()

    def get_object(self) -> Model:
        raise ImproperlyConfigured(f"{type(self).__name__} resolves its objects with account selectors.")

    def safely_get_queryset(self) -> QuerySet[Any]:
        raise ImproperlyConfigured(f"{type(self).__name__} needs safely_get_queryset().")

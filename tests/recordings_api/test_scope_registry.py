"""Every action of every API viewset maps to a scope; the tenancy mixin cannot be bypassed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from recordings_api.account_scoping import AccountScopedViewSetMixin
from recordings_api.scopes import SCOPE_OBJECTS
from recordings_api.sentry.tenancy import (
    SentryAccountScopedViewSetMixin,
    SentryOrganizationScopedViewSetMixin,
    SentryProjectScopedViewSetMixin,
)
from recordings_api.tenancy import SCOPE_REGISTRY, EnvironmentScopedViewSetMixin


def _api_viewsets() -> dict[type, set[str]]:
    """Viewset class → the action names its URL patterns dispatch to."""
    found: dict[type, set[str]] = {}

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "cls", None)
                actions = getattr(pattern.callback, "actions", None)
                if view_class is not None and actions:
                    found.setdefault(view_class, set()).update(actions.values())

    walk(get_resolver().url_patterns)
    return found


def test_every_routed_viewset_is_environment_scoped_or_an_account_view() -> None:
    viewsets_found = _api_viewsets()
    assert viewsets_found, "no viewsets are routed"
    # The Sentry face's mixins (account, organization and project level) share one base.
    guards = (EnvironmentScopedViewSetMixin, AccountScopedViewSetMixin, SentryAccountScopedViewSetMixin)
    unscoped = [cls.__name__ for cls in viewsets_found if not issubclass(cls, guards)]
    assert unscoped == []
    account_views = {cls.__name__ for cls in viewsets_found if issubclass(cls, AccountScopedViewSetMixin)}
    assert account_views == {"ProjectViewSet", "OrganizationViewSet", "UserViewSet"}


def test_every_routed_action_maps_to_a_scope() -> None:
    unmapped = []
    for view_class, actions in _api_viewsets().items():
        mapping = SCOPE_REGISTRY.get(view_class, {})
        for name in sorted(actions):
            if name not in mapping:
                unmapped.append(f"{view_class.__name__}.{name}")
            else:
                scope_object, level = mapping[name]
                assert scope_object in SCOPE_OBJECTS and level in ("read", "write")
    assert unmapped == []


def test_an_unmapped_action_fails_at_import() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Forgetful\.archive is not mapped"):

        class Forgetful(EnvironmentScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
            scope_object = "session_recording"

            @action(detail=True, methods=["post"])
            def archive(self, request: Request, **kwargs: Any) -> Response:
                raise NotImplementedError


def test_a_missing_scope_object_fails_at_import() -> None:
    with pytest.raises(ImproperlyConfigured, match="must declare scope_object"):

        class Undeclared(EnvironmentScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
            pass


@pytest.mark.parametrize("method", ["get_queryset", "get_object", "get_permissions", "get_authenticators"])
def test_guarded_methods_cannot_be_overridden(method: str) -> None:
    with pytest.raises(TypeError, match=method):
        type(
            "Sneaky",
            (EnvironmentScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet),
            {"scope_object": "session_recording", method: lambda self: None},
        )


@pytest.mark.parametrize("method", ["get_queryset", "get_object", "get_permissions", "get_authenticators"])
def test_a_mixin_listed_before_the_guard_cannot_shadow_its_methods(method: str) -> None:
    shadowing = type("Shadowing", (), {method: lambda self: None})
    with pytest.raises(TypeError, match=f"shadows {method}"):
        type(
            "Sneaky",
            (shadowing, EnvironmentScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet),
            {"scope_object": "session_recording"},
        )


def test_the_guard_listed_after_the_viewset_base_fails_too() -> None:
    with pytest.raises(TypeError, match="get_queryset"):
        type(
            "Backwards",
            (viewsets.GenericViewSet, EnvironmentScopedViewSetMixin),
            {"scope_object": "session_recording"},
        )


def test_a_method_routed_to_another_function_must_be_mapped_too() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Partial\.unarchive is not mapped"):

        class Partial(EnvironmentScopedViewSetMixin, viewsets.GenericViewSet):
            scope_object = "session_recording"
            scope_write_actions = ("archive",)

            @action(detail=True, methods=["post"])
            def archive(self, request: Request, **kwargs: Any) -> Response:
                raise NotImplementedError

            @archive.mapping.delete
            def unarchive(self, request: Request, **kwargs: Any) -> Response:
                raise NotImplementedError


def test_an_unmapped_account_action_fails_at_import() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Careless\.retrieve is not mapped"):

        class Careless(AccountScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
            scope_object = "project"
            scope_read_actions = ("list",)


@pytest.mark.parametrize("method", ["get_queryset", "get_object", "get_permissions", "get_authenticators"])
def test_account_guarded_methods_cannot_be_overridden(method: str) -> None:
    with pytest.raises(TypeError, match=method):
        type(
            "Sneaky",
            (AccountScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet),
            {"scope_object": "project", method: lambda self: None},
        )


@pytest.mark.parametrize("method", ["get_queryset", "get_object", "get_permissions", "get_authenticators"])
@pytest.mark.parametrize(
    "mixin",
    [SentryAccountScopedViewSetMixin, SentryOrganizationScopedViewSetMixin, SentryProjectScopedViewSetMixin],
)
def test_sentry_guarded_methods_cannot_be_overridden(mixin: type, method: str) -> None:
    with pytest.raises(TypeError, match=method):
        type(
            "Bad",
            (mixin, viewsets.GenericViewSet),
            {"scope_object": "session_recording", method: lambda self: None},
        )


def test_an_unmapped_sentry_action_fails_at_import() -> None:
    def count(self: Any, request: Request) -> Response:
        return Response({})

    with pytest.raises(ImproperlyConfigured, match="count"):
        type(
            "Bad",
            (SentryOrganizationScopedViewSetMixin, viewsets.GenericViewSet),
            {"scope_object": "session_recording", "count": action(detail=False)(count)},
        )

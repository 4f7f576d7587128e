"""Permissions run by every environment-scoped view, in this order:

1. ``EnvironmentAccessPermission``: the URL's environment exists and the user belongs to its
   organization, or the request holds a resource grant for it. An environment the caller may
   not see is a 404 "Project not found.", exactly like one that does not exist, so ids of other
   organizations' projects cannot be probed.
2. ``APIScopePermission``: a personal API key holds the scope the action needs, and its
   ``scoped_teams`` / ``scoped_organizations`` admit this environment (403 otherwise).
   Session-authenticated staff bypass scopes, never membership.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from recordings_api.grants import ResourceGrant
from recordings_api.models import Membership, PersonalAPIKey
from recordings_api.scopes import scopes_grant

PROJECT_NOT_FOUND = "Project not found."


class EnvironmentAccessPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ResourceGrant):
            if request.auth.environment_id != view.environment.id:
                raise NotFound(PROJECT_NOT_FOUND)
            if not request.auth.allows_view(view):
                raise PermissionDenied("This sharing token does not give access to this resource.")
            return True
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated()
        environment = view.environment
        is_member = getattr(environment, "user_is_member", None)  # read with it for this user
        if is_member is None:
            is_member = Membership.objects.filter(
                organization_id=environment.project.organization_id, user_id=request.user.pk
            ).exists()
        if not is_member:
            raise NotFound(PROJECT_NOT_FOUND)
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if isinstance(request.auth, ResourceGrant) and not request.auth.allows_object(obj):
            raise PermissionDenied("This sharing token does not give access to this resource.")
        return True


class APIScopePermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, PersonalAPIKey):
            return True
        scope_object, level = view.required_scope()
        if not scopes_grant(key.scopes, scope_object=scope_object, level=level):
            raise PermissionDenied(f"API key missing required scope '{scope_object}:{level}'")
        environment = view.environment
        if key.scoped_teams and environment.id not in key.scoped_teams:
            raise PermissionDenied(
                f"API key does not have access to the requested project: ID {environment.id}."
            )
        organization_id = str(environment.project.organization_id)
        if key.scoped_organizations and organization_id not in key.scoped_organizations:
            raise PermissionDenied(
                f"API key does not have access to the requested organization: ID {organization_id}."
            )
        return True

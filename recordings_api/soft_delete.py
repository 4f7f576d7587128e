"""PostHog's soft-delete-only models (actions, comments, playlists): no hard delete on the API.

A viewset that mixes in ``SoftDeleteOnlyMixin`` defines no ``destroy``, so the router maps no
DELETE on its instance route and the OpenAPI document lists none; a DELETE there is still
answered 405 (``Allow`` without DELETE) with PostHog's hint to PATCH ``{"deleted": true}``
instead, after the write scope check a hard delete would have had (PostHog's order: a key
without the write scope gets its 403 first). Every other unrouted method keeps DRF's plain 405.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.request import Request

from recordings_api.scopes import AccessLevel, ScopeObject

HARD_DELETE_MESSAGE = (
    'Hard delete of this model is not allowed. Use a patch API call to set "deleted" to true'
)

if TYPE_CHECKING:
    from recordings_api.tenancy import ScopeGuard

    _ScopeGuard = ScopeGuard
else:
    _ScopeGuard = object


class SoftDeleteOnlyMixin(_ScopeGuard):
    """The instance route answers DELETE with a 405 naming the soft delete (module docstring)."""

    def _is_hard_delete(self, request: Request) -> bool:
        return request.method == "DELETE" and self.action_map.get("get") == "retrieve"

    def required_scope(self) -> tuple[ScopeObject, AccessLevel]:
        if self._is_hard_delete(self.request):
            return self.scope_object, "write"
        return super().required_scope()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, scopes (write for DELETE), throttles
        if self._is_hard_delete(request):
            raise MethodNotAllowed("DELETE", detail=HARD_DELETE_MESSAGE)

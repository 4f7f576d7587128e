"""Resource grants: credentials that open one resource rather than an environment.

A domain app (sharing) authenticates requests with its own token and sets ``request.auth`` to an
object implementing ``ResourceGrant``. The core permission then asks the grant, never the
membership tables, whether the view and action may be served.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ResourceGrant(Protocol):
    environment_id: int

    def allows_view(self, view: Any) -> bool:
        """Whether the request may reach ``view`` (its action and URL kwargs) at all."""
        ...

    def allows_object(self, obj: Any) -> bool:
        """Whether ``obj``, looked up by the view, is the granted resource."""
        ...

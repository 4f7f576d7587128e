"""The resource grant a sharing token yields (``recordings_api.grants.ResourceGrant``).

It opens exactly one recording, for reading, through the actions a viewset lists in
``grant_enabled_actions`` (the recording's retrieve and its snapshots). Everything else with a
valid token is refused by the core permission (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

READ_METHODS = frozenset({"GET", "HEAD"})
# URL kwarg naming the recording in nested routes (snapshots); detail routes use their lookup kwarg.
NESTED_RECORDING_KWARG = "recording_id"


@dataclass(frozen=True)
class SharingGrant:
    environment_id: int
    configuration_id: int
    recording_pk: int
    session_id: str
    # sha256 of the token: identifies the token (throttle budget) without keeping it around.
    token_digest: str

    def allows_view(self, view: Any) -> bool:
        """GET/HEAD of a grant-enabled action whose URL names the shared recording."""
        if view.request.method not in READ_METHODS:
            return False
        if view.action not in getattr(view, "grant_enabled_actions", ()):
            return False
        return _recording_id_in_url(view) == self.session_id

    def allows_object(self, obj: Any) -> bool:
        """Only the shared recording itself (compared by environment and session id)."""
        return (
            getattr(obj, "environment_id", None) == self.environment_id
            and getattr(obj, "session_id", None) == self.session_id
        )


def _recording_id_in_url(view: Any) -> str | None:
    kwargs = view.kwargs
    if NESTED_RECORDING_KWARG in kwargs:
        return str(kwargs[NESTED_RECORDING_KWARG])
    lookup_kwarg = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    value = kwargs.get(lookup_kwarg)
    return None if value is None else str(value)

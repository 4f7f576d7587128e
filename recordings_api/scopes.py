"""API scopes: ``<object>:read`` / ``<object>:write`` or ``*``; write implies read.

A key may also carry Sentry's scope names (``SENTRY_SCOPE_GRANTS``). They count on the Sentry
face (``/api/0/``) only, where each stands for the scopes of ours it lists; on the PostHog face a
key is read as it is (``project:read`` and ``project:write`` are PostHog scopes there, with their
PostHog meaning).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, get_args

# PostHog's scope objects: recordings, playlists and sharing, then the objects around recordings
# (action definitions for the ``actions`` filter, recording comments) and the account endpoints
# clients call first (projects, organizations, the current user).
ScopeObject = Literal[
    "session_recording",
    "session_recording_playlist",
    "sharing_configuration",
    "action",
    "comment",
    "project",
    "organization",
    "user",
]
AccessLevel = Literal["read", "write"]

SCOPE_OBJECTS: tuple[ScopeObject, ...] = get_args(ScopeObject)

# Sentry's scope names → the scopes of ours each grants on the Sentry face. Sentry opens replay
# reads with org:read (organization endpoints), project:read (project endpoints) or event:read
# (viewed-by); deleting a replay takes project:write or project:admin here (Sentry lets
# project:read delete: we keep deletes behind a write scope, as on the PostHog face).
SENTRY_SCOPE_GRANTS: dict[str, tuple[str, ...]] = {
    "org:read": ("organization:read", "project:read", "session_recording:read"),
    "project:read": ("project:read", "session_recording:read"),
    "event:read": ("session_recording:read",),
    "project:write": ("project:read", "session_recording:write"),
    "project:admin": ("project:read", "session_recording:write"),
}

ALL_SCOPES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            "*",
            *(f"{obj}:{level}" for obj in SCOPE_OBJECTS for level in ("read", "write")),
            *SENTRY_SCOPE_GRANTS,
        )
    )
)


def validate_scopes(scopes: Sequence[str]) -> None:
    """Raises ValueError naming the first scope that is not one of ``ALL_SCOPES``."""
    if not scopes:
        raise ValueError("A personal API key needs at least one scope.")
    for scope in scopes:
        if scope not in ALL_SCOPES:
            raise ValueError(f"Unknown scope {scope!r}; valid scopes are: {', '.join(ALL_SCOPES)}.")


def scopes_grant(granted: Iterable[str], *, scope_object: str, level: AccessLevel) -> bool:
    """Whether ``granted`` allows ``level`` access to ``scope_object`` (``*`` allows everything)."""
    granted = set(granted)
    if "*" in granted or f"{scope_object}:write" in granted:
        return True
    return level == "read" and f"{scope_object}:read" in granted


def sentry_scopes_expand(granted: Iterable[str]) -> set[str]:
    """``granted`` plus what its Sentry scope names grant on the Sentry face."""
    expanded = set(granted)
    for scope in list(expanded):
        expanded.update(SENTRY_SCOPE_GRANTS.get(scope, ()))
    return expanded

"""API scopes: ``<object>:read`` / ``<object>:write`` or ``*``; write implies read."""

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
ALL_SCOPES: tuple[str, ...] = (
    "*",
    *(f"{obj}:{level}" for obj in SCOPE_OBJECTS for level in ("read", "write")),
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

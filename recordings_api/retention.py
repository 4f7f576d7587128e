"""What follows an environment's retention, told when it changes.

An environment's ``session_recording_retention_days`` applies to the recordings that have no
retention of their own; apps that store what depends on it (``recordings`` stamps
``expires_at``) register a callback in their ``AppConfig.ready()`` — the core imports no app.
Whoever changes the setting calls ``environment_retention_changed`` after saving it.
"""

from __future__ import annotations

from collections.abc import Callable

from recordings_api.models import Environment

RetentionFollower = Callable[[Environment], None]

_FOLLOWERS: dict[str, RetentionFollower] = {}


def environment_retention_follower_register(name: str, follower: RetentionFollower) -> None:
    """Register (or replace, by name) ``follower(environment)``, run after a retention change."""
    _FOLLOWERS[name] = follower


def environment_retention_changed(*, environment: Environment) -> None:
    """Run every follower (after the new retention is saved, in the caller's transaction)."""
    for follower in _FOLLOWERS.values():
        follower(environment)

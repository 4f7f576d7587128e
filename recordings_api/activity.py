"""Which environments have received data, answered by the apps that store it.

The core imports no domain app, so an app that ingests data registers a check in its
``AppConfig.ready()`` (the way readiness checks are registered); PostHog's ``ingested_event``
flag of projects and teams is read from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ActivityCheck = Callable[[list[int]], set[int]]

_CHECKS: dict[str, ActivityCheck] = {}


def environment_activity_register(name: str, check: ActivityCheck) -> None:
    """Register (or replace, by name) ``check(environment_ids) -> ids that hold data``."""
    _CHECKS[name] = check


def environments_with_data(environment_ids: Iterable[int]) -> set[int]:
    """The ids among ``environment_ids`` that any registered app holds data for."""
    ids = sorted(set(environment_ids))
    found: set[int] = set()
    for check in _CHECKS.values():
        if ids:
            found |= check(ids)
    return found

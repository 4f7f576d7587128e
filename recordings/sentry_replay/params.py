"""Query parameters of the Sentry face's replay-aggregate endpoints: the time range (as browse
reads it, but unbounded when absent) and repeatable values."""

from __future__ import annotations

from datetime import datetime

from rest_framework.request import Request

from recordings.sentry.browse_params import replay_window_parse_optional


def time_range(request: Request) -> tuple[datetime | None, datetime | None]:
    """``(start, end)`` the request names (Sentry's 400s when invalid); ``(None, None)`` when none."""
    return replay_window_parse_optional(request.query_params)


def listed(request: Request, name: str) -> list[str]:
    """The non-empty values of a repeatable parameter."""
    return [value for value in request.query_params.getlist(name) if value != ""]


def sdk_environments(request: Request) -> list[str]:
    """The ``environment`` values: the SDK's environment strings (repeatable)."""
    return listed(request, "environment")

"""Reads of the Sentry face's browse: the recordings of some projects in a time window, searched
and ordered through the metric registry (the Sentry face's fields), which of a page the user
viewed, and the page's clicks.

The same machinery as the PostHog list: visibility (``session_recordings_visible_in``), the
registry's SQL for order keys and search terms, one query for a page (plus one for its viewed
marks, and with ``field=clicks`` one for its click rows); nothing is computed per row. A
recording is in the window when its time span overlaps ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ParseError

from recordings.filters import order_by_clauses
from recordings.models import RecordingClick, SessionRecording, SessionRecordingViewed
from recordings.query_language import CompileContext, QueryError, query_compile
from recordings.selectors import session_recordings_visible_in
from recordings.sentry.browse_params import ReplayBrowseParams
from recordings.sentry.replay_object import CLICK_KEYS
from recordings_api.models import Environment

QueryCompiler = Callable[[str, CompileContext], Q | None]


def sentry_query_condition(
    text: str, *, environment: Environment, user: Any, compile: QueryCompiler = query_compile
) -> Q | None:
    """The condition Sentry's ``query`` sets (None for an empty query), by ``compile`` (the
    recordings' compiler, or the tombstones'); a query it refuses is a 400 with Sentry's message."""
    if not text:
        return None
    try:
        return compile(text, CompileContext(environment=environment, user=user, face="sentry"))
    except QueryError as error:
        raise ParseError(error.sentry_message(text)) from None


def sentry_replays_browse(
    *, environments: Sequence[Environment], params: ReplayBrowseParams, user: Any
) -> QuerySet[SessionRecording]:
    """The matching recordings of ``environments``, in the requested order; 400 on a bad query.

    The registry's Sentry-face fields never read the compile context's environment (they are
    columns and formulas of the row), so the first project stands for all of them there.
    """
    if not environments:
        return SessionRecording.objects.none()
    recordings = session_recordings_visible_in(environments=environments).filter(
        end_time__gte=params.start, start_time__lt=params.end
    )
    if params.environments:
        recordings = recordings.filter(sdk_environment__in=params.environments)
    condition = sentry_query_condition(params.query, environment=environments[0], user=user)
    if condition is not None:
        recordings = recordings.filter(condition)
    return recordings.order_by(
        *order_by_clauses(
            environment=environments[0], order=params.order, direction=params.direction, face="sentry"
        )
    )


def sentry_replays_viewed(*, recordings: Iterable[SessionRecording], user: Any) -> set[str]:
    """The session ids among ``recordings`` that ``user`` viewed (one query)."""
    rows = list(recordings)
    if not rows or user is None or not getattr(user, "is_authenticated", False):
        return set()
    environment_ids = {row.environment_id for row in rows}
    views = SessionRecordingViewed.objects.filter(
        environment_id__in=environment_ids, user_id=user.pk, session_id__in={row.session_id for row in rows}
    )
    return set(views.values_list("session_id", flat=True))


def sentry_replays_clicks(
    *, recordings: Iterable[SessionRecording]
) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """The click entries of each of ``recordings`` by ``(environment id, session id)`` (one query):
    every click row with a tag — Sentry's ``ui.click`` and slow-click breadcrumbs, posthog-js
    clicks resolved against its DOM, its dead and rage click events — by time."""
    wanted = {(row.environment_id, row.session_id) for row in recordings}
    if not wanted:
        return {}
    rows = (
        RecordingClick.objects.filter(
            environment_id__in={pair[0] for pair in wanted}, session_id__in={pair[1] for pair in wanted}
        )
        .exclude(tag="")
        .order_by("timestamp", "id")
        .values_list("environment_id", "session_id", *(attribute for _, attribute in CLICK_KEYS))
    )
    clicks: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for environment_id, session_id, *values in rows.iterator(chunk_size=2000):
        if (environment_id, session_id) in wanted:
            entry = dict(zip((key for key, _ in CLICK_KEYS), values, strict=True))
            clicks.setdefault((environment_id, session_id), []).append(entry)
    return clicks

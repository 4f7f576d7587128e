"""Archived (deleted) replays on the Sentry face (reference §6.4, §6.5).

A DELETE goes through the PostHog face's deletion service, which leaves a tombstone
(``DeletedRecording``: id, project, when) and removes everything else. Sentry keeps serving such
a replay as a fixed placeholder (``sentry_archived_replay_object``), in browse as at its detail
route; the PostHog face never shows it (``session_recordings_visible_in`` excludes tombstones).

Only a deletion someone asked for archives a replay (its tombstone names who deleted it): a
recording purged at the end of its retention is gone, as Sentry's expire
(``sentry_archive_tombstones``).

Browse (``ReplayRows``) lists the live replays in the requested order, then the archived ones
whose deletion falls in the time window, most recently deleted first: their sort values are
null, and nulls sort last. A ``query`` holds for an archived replay as for its placeholder
(``recordings.query_language.archived``); an ``environment`` parameter excludes them (their
environment is null).

The placeholder has the live object's keys (``REPLAY_FIELDS``), so ``field`` restricts both
alike: id, project, ``is_archived: true``, the archived user, empty lists, ``tags: []`` (a list,
as Sentry has it), ``has_viewed: false``, everything else null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from recordings.models import DeletedRecording, SessionRecording
from recordings.query_language import archived_query_compile
from recordings.selectors import replay_id_form
from recordings.sentry.browse_params import ReplayBrowseParams
from recordings.sentry.replay_object import REPLAY_FIELDS
from recordings.sentry.selectors import sentry_query_condition
from recordings_api.models import Environment

ARCHIVED_USER = "Archived Replay"
_LISTS = ("clicks", "error_ids", "info_ids", "releases", "trace_ids", "urls", "warning_ids")


def sentry_archived_replay_object(
    *, replay_id: str, project_id: int, fields: Sequence[str] = ()
) -> dict[str, Any]:
    nulls = {"name": None, "version": None}
    data: dict[str, Any] = {name: None for name in REPLAY_FIELDS}
    data.update(
        {
            "id": replay_id,
            "project_id": str(project_id),
            "is_archived": True,
            "has_viewed": False,
            "browser": dict(nulls),
            "os": dict(nulls),
            "sdk": dict(nulls),
            "device": {"brand": None, "family": None, "model": None, "model_id": None, "name": None},
            "user": {
                "display_name": ARCHIVED_USER,
                "email": None,
                "id": ARCHIVED_USER,
                "ip": None,
                "ip_address": None,
                "username": None,
            },
            "tags": [],
            **{name: [] for name in _LISTS},
        }
    )
    if not fields:
        del data["clicks"]  # as the live object: only when ``field=clicks`` asks for it
        return data
    return {name: data[name] for name in fields}


def sentry_tombstone_object(tombstone: DeletedRecording, *, fields: Sequence[str] = ()) -> dict[str, Any]:
    """The placeholder of a tombstone (a browse row)."""
    replay_id = replay_id_form(tombstone.session_id) or tombstone.session_id
    return sentry_archived_replay_object(
        replay_id=replay_id, project_id=tombstone.environment_id, fields=fields
    )


def sentry_archive_tombstones(*, environments: Sequence[Environment]) -> QuerySet[DeletedRecording]:
    """The tombstones of ``environments`` served as archived replays (module docstring)."""
    return DeletedRecording.objects.filter(environment__in=environments, deleted_by__isnull=False)


def sentry_archived_replays_browse(
    *, environments: Sequence[Environment], params: ReplayBrowseParams, user: Any
) -> QuerySet[DeletedRecording]:
    """The archived replays of ``environments`` browse lists (module docstring), in its order."""
    if not environments or params.environments:
        return DeletedRecording.objects.none()
    tombstones = sentry_archive_tombstones(environments=environments).filter(
        deleted_at__gte=params.start, deleted_at__lt=params.end
    )
    condition = sentry_query_condition(
        params.query, environment=environments[0], user=user, compile=archived_query_compile
    )
    if condition is not None:
        tombstones = tombstones.filter(condition)
    return tombstones.order_by("-deleted_at", "-id")


@dataclass(frozen=True)
class ReplayRows:
    """Browse's rows: ``live`` (in the requested order), then ``archived``, sliceable as the
    Sentry paginator slices them. A slice costs one query per part it reaches, and a count of the
    live rows only when it starts past all of them."""

    live: QuerySet[SessionRecording]
    archived: QuerySet[DeletedRecording]

    def __getitem__(self, window: slice) -> list[SessionRecording | DeletedRecording]:
        start, stop = window.start or 0, window.stop
        assert stop is not None and window.step is None, "ReplayRows pages by bounded slices"
        rows: list[SessionRecording | DeletedRecording] = list(self.live[start:stop])
        if len(rows) == stop - start:
            return rows
        live_count = start + len(rows) if rows or start == 0 else self.live.count()
        archived = self.archived[max(0, start - live_count) : stop - live_count]
        return rows + list(archived)

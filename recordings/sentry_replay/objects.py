"""The placeholder Sentry serves for an archived (deleted) replay (reference §6.4); the live
replay object is ``recordings.sentry.replay_object`` (the browse list's, one object for both).

Same keys as the live object (``REPLAY_FIELDS``), so ``field`` restricts both alike: id, project,
``is_archived: true``, the archived user, empty lists, ``tags: []`` (a list, as Sentry has it),
everything else null.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from recordings.sentry.replay_object import REPLAY_FIELDS

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

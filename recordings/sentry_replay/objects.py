"""The Sentry replay object of a recording (seed 004's attributes plus today's extras), and the
placeholder Sentry serves for an archived (deleted) replay (reference §6.4).

Kept in one place so the browse list and the single replay show the same object. Empty strings
are null; ``user.display_name`` is the first of username, email, id and IP; ``activity`` is
Sentry's ``floor(max(1, min(10, (count_errors * 25 + count_urls * 5) / 10)))``; ``duration`` whole
seconds; ids 32 hex; ``project_id`` a string. ``field`` restricts an object to exactly those keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import serializers

from recordings.models import SessionRecording
from recordings.sentry_replay.replays import replay_id_hex

REPLAY_FIELDS = (
    "activity",
    "browser",
    "count_dead_clicks",
    "count_errors",
    "count_infos",
    "count_rage_clicks",
    "count_segments",
    "count_urls",
    "count_warnings",
    "device",
    "dist",
    "duration",
    "environment",
    "error_ids",
    "finished_at",
    "has_viewed",
    "id",
    "info_ids",
    "is_archived",
    "os",
    "platform",
    "project_id",
    "releases",
    "replay_type",
    "sdk",
    "started_at",
    "tags",
    "trace_ids",
    "urls",
    "user",
    "warning_ids",
)
ARCHIVED_USER = "Archived Replay"


def _text(value: str) -> str | None:
    return value or None


def _date(moment: Any) -> str:
    return serializers.DateTimeField().to_representation(moment)


def replay_activity(*, errors: int, urls: int) -> int:
    return max(1, min(10, (errors * 25 + urls * 5) // 10))


def _user(recording: SessionRecording) -> dict[str, Any]:
    r = recording
    ip = _text(r.app_user_ip)
    display = next(
        (v for v in (r.app_user_username, r.app_user_email, r.app_user_id, r.app_user_ip) if v), None
    )
    return {
        "display_name": display,
        "email": _text(r.app_user_email),
        "id": _text(r.app_user_id),
        "ip": ip,
        "ip_address": ip,
        "username": _text(r.app_user_username),
    }


def _all_fields(recording: SessionRecording, *, has_viewed: bool) -> dict[str, Any]:
    r = recording
    return {
        "activity": replay_activity(errors=r.error_count, urls=r.url_count),
        "browser": {"name": _text(r.browser_name), "version": _text(r.browser_version)},
        "count_dead_clicks": r.dead_click_count,
        "count_errors": r.error_count,
        "count_infos": r.info_count,
        "count_rage_clicks": r.rage_click_count,
        "count_segments": r.segment_count,
        "count_urls": r.url_count,
        "count_warnings": r.warning_count,
        "device": {
            "brand": _text(r.device_brand),
            "family": _text(r.device_family),
            "model": _text(r.device_model),
            "model_id": _text(r.device_model),
            "name": _text(r.device_name),
        },
        "dist": _text(r.dist),
        "duration": r.duration_seconds,
        "environment": _text(r.sdk_environment),
        "error_ids": list(r.error_ids or []),
        "finished_at": _date(r.end_time),
        "has_viewed": has_viewed,
        "id": replay_id_hex(r.session_id) or r.session_id,
        "info_ids": list(r.info_ids or []),
        "is_archived": False,
        "os": {"name": _text(r.os_name), "version": _text(r.os_version)},
        "platform": _text(r.platform),
        "project_id": str(r.environment_id),
        "releases": list(r.releases or []),
        "replay_type": r.replay_type or "session",
        "sdk": {"name": _text(r.sdk_name), "version": _text(r.sdk_version)},
        "started_at": _date(r.start_time),
        "tags": dict(r.tags or {}),
        "trace_ids": list(r.trace_ids or []),
        "urls": list(r.visited_urls or []),
        "user": _user(r),
        "warning_ids": list(r.warning_ids or []),
    }


def _restricted(data: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    return data if not fields else {name: data[name] for name in dict.fromkeys(fields)}


def sentry_replay_object(
    recording: SessionRecording, *, has_viewed: bool = False, fields: Sequence[str] | None = None
) -> dict[str, Any]:
    return _restricted(_all_fields(recording, has_viewed=has_viewed), fields)


def sentry_archived_replay_object(
    *, replay_id: str, project_id: int, fields: Sequence[str] | None = None
) -> dict[str, Any]:
    """Sentry's placeholder: id, project, ``is_archived``, the archived user, empty lists,
    ``tags: []`` (a list, as Sentry has it), everything else null."""
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
            **{
                name: [] for name in ("error_ids", "info_ids", "releases", "trace_ids", "urls", "warning_ids")
            },
        }
    )
    return _restricted(data, fields)

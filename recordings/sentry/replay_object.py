"""Sentry's replay object, built from a recording row and what a page loaded once.

Every attribute of the seed's table — ``activity``, ``browser``, ``count_dead_clicks``,
``count_rage_clicks``, ``count_errors``, ``count_segments``, ``count_urls``, ``device``, ``dist``,
``duration``, ``environment``, ``error_ids``, ``finished_at``, ``id``, ``is_archived``, ``os``,
``platform``, ``project_id``, ``releases``, ``sdk``, ``started_at``, ``tags``, ``trace_ids``,
``urls``, ``user`` — plus today's ``count_warnings``, ``count_infos``, ``has_viewed``,
``info_ids``, ``warning_ids`` and ``replay_type``. Both the seed's and today's names where they
differ: ``device.model_id`` and ``device.model``, ``user.ip_address`` and ``user.ip``.

Invariants: the numbers (counts, ``activity``, ``duration``) are the metric registry's values of
the Sentry face (``shown_fields("sentry")``), the ones its sort and search compute in SQL; ``id``
is 32 lowercase hex for any UUID session id; optional strings are null when empty; times are
whole seconds, ``+00:00``; ``clicks`` is present only when ``field=clicks`` asks for it: the
replay's click rows as Sentry zips its click columns (``CLICK_KEYS``), which the page loads at
once (``ReplayPageContext.clicks``). Building one costs no query.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from recordings.metrics import FieldContext, shown_fields
from recordings.models import SessionRecording
from recordings.selectors import replay_id_form
from recordings_api.models import Environment

# The ``field`` values Sentry accepts (its ReplayValidator), in its order.
REPLAY_FIELDS: tuple[str, ...] = (
    "activity",
    "browser",
    "count_dead_clicks",
    "count_errors",
    "count_rage_clicks",
    "count_segments",
    "count_urls",
    "device",
    "dist",
    "duration",
    "environment",
    "error_ids",
    "finished_at",
    "id",
    "is_archived",
    "os",
    "platform",
    "project_id",
    "releases",
    "sdk",
    "started_at",
    "tags",
    "trace_ids",
    "urls",
    "user",
    "clicks",
    "info_ids",
    "warning_ids",
    "count_warnings",
    "count_infos",
    "has_viewed",
    "replay_type",
)


# A ``clicks`` entry's keys → the click row's attribute (Sentry's names; ``classes`` a list).
CLICK_KEYS: tuple[tuple[str, str], ...] = (
    ("click.alt", "alt"),
    ("click.label", "aria_label"),
    ("click.classes", "classes"),
    ("click.component_name", "component_name"),
    ("click.id", "element_id"),
    ("click.role", "role"),
    ("click.tag", "tag"),
    ("click.testid", "testid"),
    ("click.text", "text"),
    ("click.title", "title"),
)


@dataclass(frozen=True)
class ReplayPageContext:
    """What a page of replays shares: the projects by id, the replays the user viewed, the fields,
    and (with ``field=clicks``) the click entries by ``(environment id, session id)``."""

    environments: Mapping[int, Environment]
    viewed: Collection[str] = frozenset()
    fields: tuple[str, ...] = ()  # empty: every attribute but ``clicks``
    user: Any = None
    clicks: Mapping[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)


def _text(value: str | None) -> str | None:
    return value or None


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _user(recording: SessionRecording) -> dict[str, str | None]:
    values = {
        "id": _text(recording.app_user_id),
        "username": _text(recording.app_user_username),
        "email": _text(recording.app_user_email),
        "ip": _text(recording.app_user_ip),
    }
    display = values["username"] or values["email"] or values["id"] or values["ip"]
    return {**values, "ip_address": values["ip"], "display_name": display}


def _clients(recording: SessionRecording) -> dict[str, Any]:
    return {
        "browser": {"name": _text(recording.browser_name), "version": _text(recording.browser_version)},
        "device": {
            "brand": _text(recording.device_brand),
            "family": _text(recording.device_family),
            "model_id": _text(recording.device_model),
            "model": _text(recording.device_model),
            "name": _text(recording.device_name),
        },
        "os": {"name": _text(recording.os_name), "version": _text(recording.os_version)},
        "sdk": {"name": _text(recording.sdk_name), "version": _text(recording.sdk_version)},
    }


def _lists(recording: SessionRecording) -> dict[str, Any]:
    return {
        "error_ids": list(recording.error_ids or []),
        "warning_ids": list(recording.warning_ids or []),
        "info_ids": list(recording.info_ids or []),
        "trace_ids": list(recording.trace_ids or []),
        "releases": [release for release in recording.releases or [] if release],
        "urls": list(recording.visited_urls or []),
        "tags": dict(recording.tags or {}),
    }


def replay_object(recording: SessionRecording, context: ReplayPageContext) -> dict[str, Any]:
    """The replay object of ``recording`` (restricted to ``context.fields`` when given)."""
    field_context = FieldContext(
        environment=context.environments[recording.environment_id], user=context.user
    )
    replay: dict[str, Any] = {
        shown: metric.value(recording, field_context)  # type: ignore[misc]
        for shown, metric in shown_fields("sentry")
    }
    replay.update(_clients(recording))
    replay.update(_lists(recording))
    replay.update(
        id=replay_id_form(recording.session_id) or recording.session_id,
        project_id=str(recording.environment_id),
        started_at=_moment(recording.start_time),
        finished_at=_moment(recording.end_time),
        dist=_text(recording.dist),
        environment=_text(recording.sdk_environment),
        platform=_text(recording.platform),
        replay_type=recording.replay_type or "session",
        is_archived=False,
        has_viewed=recording.session_id in context.viewed,
        user=_user(recording),
    )
    if not context.fields:
        return replay
    replay["clicks"] = context.clicks.get((recording.environment_id, recording.session_id), [])
    return {name: replay[name] for name in context.fields}

"""The metric registry: every recording field the API faces compute, declared once.

A ``RecordingField`` says what a field is (its ``kind``), how the database computes it (``sql``),
what a response shows (``value``, the Python twin of ``sql``), whether it orders lists, filters
as a PostHog ``recording`` property and is a search term, and under which names each API face
knows it (``FaceNames``: the name shown in responses, then other accepted names). Ordering,
property filters, the search language and the recording serializer all read this table, so a
face that names things its own way (``count_errors`` on the Sentry face) needs no second parser.

Adding a metric touches this table only. For example, a stored ``rage_click_count`` column::

    count("rage_click_count", orders=True, posthog=names("rage_click_count"),
          sentry=names("count_rage_clicks"))

It is then an order key, a property filter key and a search term of both faces, and the PostHog
recording object shows it. Invariants (``tests/recordings/test_metric_registry.py``): a name
means one field per face; every field with a ``value`` agrees with its ``sql`` on every row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from recordings.conditions import json_text
from recordings.metrics import formulas, replay_fields
from recordings.metrics.declarations import (
    FACES,
    NUMERIC_KINDS,
    Face,
    FaceNames,
    FieldContext,
    Kind,
    RecordingField,
    attribute,
    column,
    names,
)
from recordings.models import SessionRecordingViewed

__all__ = [
    "FACES",
    "NUMERIC_KINDS",
    "RECORDING_FIELDS",
    "Face",
    "FaceNames",
    "FieldContext",
    "Kind",
    "RecordingField",
    "count",
    "fields_named",
    "filter_fields",
    "names",
    "order_fields",
    "search_fields",
    "shown_fields",
]


def count(
    name: str, *, orders: bool = False, posthog: FaceNames | None = None, sentry: FaceNames | None = None
) -> RecordingField:
    """A counter stored in its own column, shown as is."""
    faces: dict[Face, FaceNames] = {}
    if posthog:
        faces["posthog"] = posthog
    if sentry:
        faces["sentry"] = sentry
    return RecordingField(
        name, "count", column(name), attribute(name), orders=orders, filters=True, faces=faces
    )


def _property(key: str) -> Callable[[FieldContext], Any]:
    return lambda context: json_text("first_event_properties", key)


def _viewed(context: FieldContext) -> Q:
    views = SessionRecordingViewed.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )
    user = context.user
    if user is not None and getattr(user, "is_authenticated", False):
        views = views.filter(user_id=user.pk)
    return Q(Exists(views))


def _ongoing(context: FieldContext) -> Q:
    return Q(last_ingested_at__gte=timezone.now() - formulas.ONGOING_WINDOW)


RECORDING_FIELDS: tuple[RecordingField, ...] = (
    RecordingField(
        "start_time",
        "timestamp",
        column("start_time"),
        orders=True,
        searches=False,
        faces={"posthog": names(None, "start_time"), "sentry": names(None, "started_at", "startedAt")},
    ),
    RecordingField(
        "duration",
        "duration",
        lambda context: formulas.duration_expression(),
        lambda recording, context: recording.duration_seconds,
        orders=True,
        filters=True,
        faces={"posthog": names("recording_duration", "duration"), "sentry": names("duration")},
    ),
    RecordingField(
        "active_seconds",
        "duration",
        lambda context: formulas.active_seconds_expression(),
        lambda recording, context: recording.active_seconds,
        orders=True,
        filters=True,
        faces={"posthog": names("active_seconds")},
    ),
    RecordingField(
        "inactive_seconds",
        "duration",
        lambda context: formulas.inactive_seconds_expression(),
        lambda recording, context: recording.inactive_seconds,
        orders=True,
        filters=True,
        faces={"posthog": names("inactive_seconds")},
    ),
    count("click_count", orders=True, posthog=names("click_count")),
    count("keypress_count", orders=True, posthog=names("keypress_count")),
    count("mouse_activity_count", orders=True, posthog=names("mouse_activity_count")),
    count("console_log_count", posthog=names("console_log_count", search=("count_infos",))),
    count("console_warn_count", posthog=names("console_warn_count", search=("count_warnings",))),
    count("console_error_count", orders=True, posthog=names("console_error_count", search=("count_errors",))),
    RecordingField(
        "activity_score",
        "score",
        lambda context: formulas.activity_score_expression(),
        lambda recording, context: formulas.activity_score(recording),
        orders=True,
        filters=True,
        faces={"posthog": names("activity_score", search=("activity",))},
        nullable=True,
    ),
    RecordingField(
        "recording_ttl",
        "count",
        lambda context: formulas.expiry_day_expression(),
        lambda recording, context: formulas.recording_ttl(recording, context.environment),
        orders=True,
        searches=False,
        faces={"posthog": names("recording_ttl")},
        nullable=True,
    ),
    RecordingField(
        "urls",
        "urls",
        column("urls"),
        filters=True,
        faces={"posthog": names(None, "visited_page", search=("url", "urls"))},
    ),
    RecordingField(
        "start_url", "text", column("start_url"), filters=True, faces={"posthog": names(None, "start_url")}
    ),
    RecordingField(
        "distinct_id",
        "text",
        column("distinct_id"),
        filters=True,
        faces={"posthog": names(None, "distinct_id", search=("user.id",))},
    ),
    RecordingField(
        "session_id",
        "text",
        column("session_id"),
        faces={"posthog": names(None, search=("id", "session_id"))},
    ),
    RecordingField(
        "snapshot_source",
        "text",
        column("snapshot_source"),
        filters=True,
        faces={"posthog": names(None, "snapshot_source")},
    ),
    RecordingField(
        "browser",
        "property",
        _property("$browser"),
        faces={"posthog": names(None, search=("browser", "browser.name"))},
    ),
    RecordingField(
        "browser_version",
        "property",
        _property("$browser_version"),
        faces={"posthog": names(None, search=("browser.version",))},
    ),
    RecordingField(
        "os", "property", _property("$os"), faces={"posthog": names(None, search=("os", "os.name"))}
    ),
    RecordingField(
        "os_version",
        "property",
        _property("$os_version"),
        faces={"posthog": names(None, search=("os.version",))},
    ),
    RecordingField(
        "device_type",
        "property",
        _property("$device_type"),
        faces={"posthog": names(None, search=("device_type", "device"))},
    ),
    RecordingField(
        "viewed",
        "flag",
        _viewed,
        faces={
            "posthog": names(None, search=("viewed",)),
            "sentry": names(None, search=("viewed_by_me", "seen_by_me")),
        },
    ),
    RecordingField(
        "viewed_by_id",
        "viewer",
        lambda context: None,
        faces={"sentry": names(None, search=("viewed_by_id", "seen_by_id"))},
    ),
    # A stored recording is never archived: a deleted one is a tombstone, which the Sentry face's
    # browse lists apart (``recordings.sentry.archived``).
    RecordingField(
        "is_archived",
        "flag",
        lambda context: Q(pk__in=[]),
        faces={"sentry": names(None, search=("is_archived",))},
    ),
    RecordingField("ongoing", "flag", _ongoing, faces={"posthog": names(None, search=("ongoing",))}),
    # --- Sentry replays, clicks and errors (one data model, two faces) ---------------------------
    # Counts of both faces, then what the Sentry face names its own way. Text and id-list fields
    # are columns of SessionRecording (``replay_fields``); click terms match click rows.
    count(
        "dead_click_count", orders=True, posthog=names("count_dead_clicks"), sentry=names("count_dead_clicks")
    ),
    count(
        "rage_click_count", orders=True, posthog=names("count_rage_clicks"), sentry=names("count_rage_clicks")
    ),
    count("url_count", orders=True, posthog=names("count_urls"), sentry=names("count_urls")),
    count("segment_count", orders=True, posthog=names("count_segments"), sentry=names("count_segments")),
    count("error_count", orders=True, sentry=names("count_errors", "countErrors")),
    count("warning_count", orders=True, sentry=names("count_warnings")),
    count("info_count", orders=True, sentry=names("count_infos")),
    RecordingField(
        "sentry_activity",
        "count",
        lambda context: formulas.sentry_activity_expression(),
        lambda recording, context: formulas.sentry_activity(recording),
        orders=True,
        filters=True,
        faces={"sentry": names("activity")},
    ),
    *replay_fields.SENTRY_ORDER_FIELDS,
    *replay_fields.SENTRY_TEXT_FIELDS,
    *replay_fields.CLICK_FIELDS,
)


def _by_name(face: Face, *, searching: bool) -> dict[str, RecordingField]:
    table: dict[str, RecordingField] = {}
    for recording_field in RECORDING_FIELDS:
        for name in recording_field.names_on(face, searching=searching):
            if name in table:
                raise ValueError(
                    f"{face} face: {name!r} names both {table[name].name} and {recording_field.name}"
                )
            table[name] = recording_field
    return table


@functools.cache
def fields_named(face: Face) -> Mapping[str, RecordingField]:
    """Every name the face accepts outside search (orders, filters, responses) → its field."""
    return MappingProxyType(_by_name(face, searching=False))


def _with(face: Face, flag: str) -> Mapping[str, RecordingField]:
    return MappingProxyType({name: f for name, f in fields_named(face).items() if getattr(f, flag)})


@functools.cache
def order_fields(face: Face) -> Mapping[str, RecordingField]:
    """The face's order keys → their fields."""
    return _with(face, "orders")


@functools.cache
def filter_fields(face: Face) -> Mapping[str, RecordingField]:
    """The face's ``recording`` property filter keys → their fields."""
    return _with(face, "filters")


@functools.cache
def search_fields(face: Face) -> Mapping[str, RecordingField]:
    """The face's search terms (names and search-only aliases) → their fields."""
    return MappingProxyType({name: f for name, f in _by_name(face, searching=True).items() if f.searches})


@functools.cache
def shown_fields(face: Face) -> tuple[tuple[str, RecordingField], ...]:
    """``(response attribute, field)`` of every computed value the face's recording shows."""
    return tuple(
        (shown, f)
        for f in RECORDING_FIELDS
        if (shown := f.shown_on(face)) is not None and f.value is not None
    )

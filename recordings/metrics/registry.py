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
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from recordings.conditions import json_text
from recordings.metrics import formulas
from recordings.models import SessionRecording, SessionRecordingViewed
from recordings_api.models import Environment

Face = Literal["posthog", "sentry"]
FACES: tuple[Face, ...] = ("posthog", "sentry")

# count: a whole number; score: a float (may be null); duration: seconds (search values take
# units); timestamp: a moment; text: a string column; property: a string (or number) read from
# JSON; urls: any visited URL; flag: true/false (a condition, not a value).
Kind = Literal["count", "score", "duration", "timestamp", "text", "property", "urls", "flag"]
NUMERIC_KINDS: frozenset[str] = frozenset({"count", "score", "duration"})


@dataclass(frozen=True)
class FieldContext:
    """What computing a field may depend on: whose environment, and who asks (``viewed``)."""

    environment: Environment
    user: Any = None  # None means "anyone" (``viewed:true`` = viewed by someone)


@dataclass(frozen=True)
class FaceNames:
    shown: str | None  # the response attribute; None when responses do not show it
    also: tuple[str, ...] = ()  # further accepted names (orders, filters, search terms)
    search_only: tuple[str, ...] = ()  # aliases accepted only as search terms

    def accepted(self, *, searching: bool) -> tuple[str, ...]:
        shown = (self.shown,) if self.shown else ()
        return shown + self.also + (self.search_only if searching else ())


def names(shown: str | None, *also: str, search: tuple[str, ...] = ()) -> FaceNames:
    return FaceNames(shown, also, search)


@dataclass(frozen=True)
class RecordingField:
    name: str
    kind: Kind
    # The SQL expression over SessionRecording (for a flag: a Q condition).
    sql: Callable[[FieldContext], Any]
    # The Python twin shown in responses (None: the field is not shown as a computed value).
    value: Callable[[SessionRecording, FieldContext], Any] | None = None
    orders: bool = False
    filters: bool = False
    searches: bool = True
    faces: Mapping[Face, FaceNames] = field(default_factory=dict)
    nullable: bool = False  # ``value`` may be None (shown as null)

    def names_on(self, face: Face, *, searching: bool = False) -> tuple[str, ...]:
        face_names = self.faces.get(face)
        return face_names.accepted(searching=searching) if face_names else ()

    def shown_on(self, face: Face) -> str | None:
        face_names = self.faces.get(face)
        return face_names.shown if face_names else None


def _column(name: str) -> Callable[[FieldContext], Any]:
    return lambda context: F(name)


def _attribute(name: str) -> Callable[[SessionRecording, FieldContext], Any]:
    return lambda recording, context: getattr(recording, name)


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
        name, "count", _column(name), _attribute(name), orders=orders, filters=True, faces=faces
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
        _column("start_time"),
        orders=True,
        searches=False,
        faces={"posthog": names(None, "start_time")},
    ),
    RecordingField(
        "duration",
        "duration",
        lambda context: formulas.duration_expression(),
        lambda recording, context: recording.duration_seconds,
        orders=True,
        filters=True,
        faces={"posthog": names("recording_duration", "duration")},
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
        lambda context: formulas.expiry_day_expression(environment=context.environment),
        lambda recording, context: formulas.recording_ttl(recording, context.environment),
        orders=True,
        searches=False,
        faces={"posthog": names("recording_ttl")},
        nullable=True,
    ),
    RecordingField(
        "urls",
        "urls",
        _column("urls"),
        filters=True,
        faces={"posthog": names(None, "visited_page", search=("url", "urls"))},
    ),
    RecordingField(
        "start_url", "text", _column("start_url"), filters=True, faces={"posthog": names(None, "start_url")}
    ),
    RecordingField(
        "distinct_id",
        "text",
        _column("distinct_id"),
        filters=True,
        faces={"posthog": names(None, "distinct_id", search=("user.id",))},
    ),
    RecordingField(
        "session_id",
        "text",
        _column("session_id"),
        faces={"posthog": names(None, search=("id", "session_id"))},
    ),
    RecordingField(
        "snapshot_source",
        "text",
        _column("snapshot_source"),
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
    RecordingField("viewed", "flag", _viewed, faces={"posthog": names(None, search=("viewed",))}),
    RecordingField("ongoing", "flag", _ongoing, faces={"posthog": names(None, search=("ongoing",))}),
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

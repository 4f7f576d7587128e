"""The registry's declaration types: faces, kinds, ``RecordingField`` and its names per face.

``registry`` holds the table of fields; this module holds what a field *is*, so that modules
declaring part of the table (``replay_fields``) need not import the table itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import F

from recordings.models import SessionRecording
from recordings_api.models import Environment

Face = Literal["posthog", "sentry"]
FACES: tuple[Face, ...] = ("posthog", "sentry")

# count: a whole number; score: a float (may be null); duration: seconds (search values take
# units); timestamp: a moment; text: a string column; property: a string (or number) read from
# JSON; urls: any visited URL; flag: true/false (a condition, not a value); strings: any string
# of a JSON array column (``sql`` gives the column's name); click: an attribute of some click row
# of the recording (``sql`` gives the ``RecordingClick`` column); selector: a CSS selector one
# click row matches (``sql`` gives the extra row conditions, e.g. ``{"is_dead": True}``); id: a
# recording id, where a Sentry replay id in any UUID form matches its stored 32-hex form; viewer:
# the id of a user who viewed the recording (``SessionRecordingViewed``).
Kind = Literal[
    "count",
    "score",
    "duration",
    "timestamp",
    "text",
    "property",
    "urls",
    "flag",
    "strings",
    "click",
    "selector",
    "id",
    "viewer",
]
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


def column(name: str) -> Callable[[FieldContext], Any]:
    return lambda context: F(name)


def attribute(name: str) -> Callable[[SessionRecording, FieldContext], Any]:
    return lambda recording, context: getattr(recording, name)

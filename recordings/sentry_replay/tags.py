"""Tag keys and values of replays (the tags endpoints with ``dataset=replays``, reference §6.7).

Two kinds of keys, for recordings of both SDKs:

- the columns Sentry's replay tag search maps (``COLUMN_KEYS``: ``browser.name``, ``release``,
  ``url``, ``user.email``…): for posthog-js recordings they hold what their event properties say
  (``$browser``, ``$os``, ``$device_type``, ``$app_version``, ``$lib``…), for Sentry replays
  what the SDK reported;
- the replays' own tags (``RecordingTag``; Sentry replays' ``tags``).

``totalValues`` of a key is how many replays carry it; a value's ``count`` how many replays carry
it, ``firstSeen``/``lastSeen`` the earliest start and latest end among them. Replays are the
visible recordings of the given environments overlapping the time range. Values are ordered by
``-count`` (default) or ``-last_seen``, at most ``MAX_VALUES``, optionally filtered by a
case-insensitive substring.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet

from recordings.models import RecordingTag, SessionRecording
from recordings.selectors import session_recordings_visible_in
from recordings_api.models import Environment

MAX_VALUES = 1000
# A valid tag key (Sentry's format; another is a 400): the one declaration, the document's pattern.
TAG_KEY_PATTERN = "[a-zA-Z0-9_.:-]{1,200}"
VALUE_SORTS = ("-count", "-last_seen")
# Sentry's replay tag keys backed by columns → our column (lists: every element is a value).
COLUMN_KEYS: dict[str, str] = {
    "replay_type": "replay_type",
    "platform": "platform",
    "environment": "sdk_environment",
    "release": "releases",
    "dist": "dist",
    "url": "visited_urls",
    "user.id": "app_user_id",
    "user.username": "app_user_username",
    "user.email": "app_user_email",
    "user.ip": "app_user_ip",
    "sdk.name": "sdk_name",
    "sdk.version": "sdk_version",
    "os.name": "os_name",
    "os.version": "os_version",
    "browser.name": "browser_name",
    "browser.version": "browser_version",
    "device.name": "device_name",
    "device.brand": "device_brand",
    "device.family": "device_family",
    "device.model_id": "device_model",
}
LIST_COLUMNS = ("releases", "visited_urls")
_LABELS = {"os": "OS", "url": "URL", "release": "Release", "dist": "Distribution"}


@dataclass(frozen=True)
class TagScope:
    environments: Sequence[Environment]
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class TagKeyRow:
    key: str
    name: str
    total_values: int


@dataclass(frozen=True)
class TagValueRow:
    key: str
    name: str
    value: str
    count: int
    first_seen: datetime
    last_seen: datetime


def tag_key_label(key: str) -> str:
    """Sentry's human label of a tag key (``plan.total_members`` → ``Plan.Total Members``)."""
    return _LABELS.get(key) or key.replace("_", " ").title()


def tag_key_is_valid(key: str) -> bool:
    return re.fullmatch(TAG_KEY_PATTERN, key) is not None


def _recordings(scope: TagScope) -> QuerySet[SessionRecording]:
    recordings = session_recordings_visible_in(environments=scope.environments)
    if scope.start is not None:
        recordings = recordings.filter(end_time__gte=scope.start)
    if scope.end is not None:
        recordings = recordings.filter(start_time__lt=scope.end)
    return recordings


def _tags(scope: TagScope) -> QuerySet[RecordingTag]:
    recordings = _recordings(scope).filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )
    return RecordingTag.objects.filter(Exists(recordings))


def _carried(column: str) -> Q:
    return ~Q(**{column: []}) if column in LIST_COLUMNS else ~Q(**{column: ""})


def replay_tag_keys(*, scope: TagScope) -> list[TagKeyRow]:
    """Every key some replay in scope carries, with how many carry it; sorted by key."""
    recordings = _recordings(scope)
    carried = {key.replace(".", "__"): Count("id", filter=_carried(col)) for key, col in COLUMN_KEYS.items()}
    totals = recordings.aggregate(**carried)
    counts = {key: totals[key.replace(".", "__")] for key in COLUMN_KEYS}
    for row in _tags(scope).values("key").annotate(replays=Count("session_id", distinct=True)):
        counts[row["key"]] = counts.get(row["key"], 0) + row["replays"]
    return [TagKeyRow(key, tag_key_label(key), total) for key, total in sorted(counts.items()) if total]


def _column_values(recordings: QuerySet[SessionRecording], column: str) -> Iterator[TagValueRow]:
    if column in LIST_COLUMNS:
        yield from _list_values(recordings, column)
        return
    grouped = (
        recordings.exclude(**{column: ""})
        .values(column)
        .annotate(count=Count("id"), first=Min("start_time"), last=Max("end_time"))
    )
    for row in grouped:
        yield TagValueRow("", "", row[column], row["count"], row["first"], row["last"])


@dataclass
class _Seen:
    count: int
    first: datetime
    last: datetime


def _list_values(recordings: QuerySet[SessionRecording], column: str) -> Iterator[TagValueRow]:
    """Elements of a JSON list column, counted per replay (a repeated URL counts once)."""
    seen: dict[str, _Seen] = {}
    rows = recordings.exclude(**{column: []}).values_list(column, "start_time", "end_time")
    for values, start, end in rows.iterator(chunk_size=2000):
        for value in set(values if isinstance(values, list) else []):
            if not isinstance(value, str):
                continue
            entry = seen.get(value)
            if entry is None:
                seen[value] = _Seen(1, start, end)
            else:
                entry.count += 1
                entry.first, entry.last = min(entry.first, start), max(entry.last, end)
    for value, entry in seen.items():
        yield TagValueRow("", "", value, entry.count, entry.first, entry.last)


def _tag_values(scope: TagScope, key: str) -> Iterator[TagValueRow]:
    tags = _tags(scope).filter(key=key)
    recordings = SessionRecording.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )
    grouped = tags.values("value").annotate(
        count=Count("session_id", distinct=True),
        first=Min(recordings.values("start_time")[:1]),
        last=Max(recordings.values("end_time")[:1]),
    )
    for row in grouped:
        yield TagValueRow("", "", row["value"], row["count"], row["first"], row["last"])


def replay_tag_values(
    *, scope: TagScope, key: str, query: str = "", sort: str = "-count"
) -> list[TagValueRow]:
    """The values of ``key`` (see the module docstring); ``key`` must be valid
    (``tag_key_is_valid``) and ``sort`` one of ``VALUE_SORTS``."""
    column = COLUMN_KEYS.get(key)
    rows = list(_column_values(_recordings(scope), column) if column else _tag_values(scope, key))
    if column:
        rows += list(_tag_values(scope, key))
    needle = query.casefold()
    kept = [row for row in rows if needle in row.value.casefold()]
    if sort == "-last_seen":
        kept.sort(key=lambda row: (row.last_seen, row.count, row.value), reverse=True)
    else:
        kept.sort(key=lambda row: (-row.count, row.value))
    return [
        TagValueRow(key, row.value, row.value, row.count, row.first_seen, row.last_seen)
        for row in kept[:MAX_VALUES]
    ]

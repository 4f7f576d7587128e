"""The browse parameters of ``GET /api/0/organizations/{org}/replays/``, validated.

``field`` (repeatable, ``REPLAY_FIELDS``), ``project`` (repeatable ids, ``-1`` = all the request
may see) and ``projectSlug`` (repeatable), ``environment`` (repeatable: the SDK's environment
strings), ``statsPeriod`` (``<n><s|m|h|d|w>``, default ``7d``; empty: the default; checked even
when ``start``/``end`` win) or ``start`` and ``end`` (ISO 8601, or epoch seconds; both or neither:
a present one, even empty, must be a moment), ``sort`` (``[-]key``: an order key
of the Sentry face in the metric registry, default ``-started_at``), ``query`` (the search
language, compiled later) and ``queryReferrer`` (``issueReplays`` searches every project the
request may see, as Sentry's issue page does). The header ``X-Preferred-Data-Source`` names
Sentry's query strategy (``replay_data_source``). Errors are Sentry's texts: a ``ParseError``
(``{"detail": …}``) or, for ``field``, a field → messages ``ValidationError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from recordings.metrics import order_fields
from recordings.sentry.replay_object import REPLAY_FIELDS

DEFAULT_STATS_PERIOD = "7d"
DEFAULT_SORT = "-started_at"
ISSUE_REPLAYS = "issueReplays"
# Longer periods are clamped (no recording is kept for ten years; datetime arithmetic stays valid).
MAX_PERIOD = timedelta(days=3650)
# The one declaration of the valid time parameters (``openapi.TIME_RANGE`` documents these).
PERIOD_PATTERN = "[0-9]{1,12}[smhdw]"
EPOCH_PATTERN = r"[0-9]{1,11}(\.[0-9]+)?"
_PERIOD = re.compile(r"(?P<number>[0-9]{1,12})(?P<unit>[smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FIELD_CHOICE = serializers.MultipleChoiceField(choices=REPLAY_FIELDS)
# ``X-Preferred-Data-Source`` → the ``X-Data-Source`` Sentry answers for it (scalar by default).
DATA_SOURCES = {"scalar": "scalar-subquery", "aggregated": "aggregated-subquery"}
DEFAULT_DATA_SOURCE = "scalar"


@dataclass(frozen=True)
class ReplayBrowseParams:
    fields: tuple[str, ...]
    project_ids: tuple[str, ...]
    project_slugs: tuple[str, ...]
    environments: tuple[str, ...]
    start: datetime
    end: datetime
    order: str  # an order key of the Sentry face
    direction: str  # "ASC" or "DESC"
    query: str
    all_projects: bool  # ``queryReferrer=issueReplays``


def _fields(params: QueryDict) -> tuple[str, ...]:
    raw = [value for value in params.getlist("field") if value != ""]
    if not raw:
        return ()
    try:
        chosen = _FIELD_CHOICE.run_validation(raw)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({"field": error.detail}) from None
    return tuple(name for name in dict.fromkeys(raw) if name in chosen)


def _moment(raw: str) -> datetime:
    moment: datetime | None
    try:
        moment = datetime.fromtimestamp(float(raw), tz=UTC) if re.fullmatch(EPOCH_PATTERN, raw) else None
        moment = moment or parse_datetime(raw.replace(" ", "+"))
    except (ValueError, OverflowError, OSError):
        moment = None
    if moment is None:
        raise ParseError(f"{raw} is not a valid ISO8601 date query")
    return _utc(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC (ISO 8601 offsets reach ±23:59, the database's ±15:59); a moment beyond
    year 1 or 9999 once in UTC is clamped to that bound."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


def _period(raw: str) -> timedelta:
    match = _PERIOD.fullmatch(raw)
    if match is None:
        raise ParseError(f"Invalid statsPeriod: {raw!r}")
    number = int(match["number"])
    unit = _UNITS[match["unit"]]
    return MAX_PERIOD if number > 10**7 else min(timedelta(**{unit: number}), MAX_PERIOD)


def _window(params: QueryDict) -> tuple[datetime, datetime]:
    period = _period(params.get("statsPeriod") or DEFAULT_STATS_PERIOD)
    if "start" in params or "end" in params:
        start, end = params.get("start"), params.get("end")
        if start is None or end is None:
            raise ParseError("start and end are both required")
        window = _moment(start), _moment(end)
        if window[0] > window[1]:
            raise ParseError("start must be before end")
        return window
    now = timezone.now()
    return now - period, now


def _sort(params: QueryDict) -> tuple[str, str]:
    raw = params.get("sort") or DEFAULT_SORT
    key, direction = (raw[1:], "DESC") if raw.startswith("-") else (raw, "ASC")
    if key not in order_fields("sentry"):
        raise ParseError(f"The field `{key}` is not a sortable field.")
    return key, direction


def replay_browse_params_parse(params: QueryDict) -> ReplayBrowseParams:
    """Validated browse parameters; raises Sentry's 400s (module docstring)."""
    order, direction = _sort(params)
    start, end = _window(params)
    return ReplayBrowseParams(
        fields=_fields(params),
        project_ids=tuple(value for value in params.getlist("project") if value != ""),
        project_slugs=tuple(value for value in params.getlist("projectSlug") if value != ""),
        environments=tuple(value for value in params.getlist("environment") if value != ""),
        start=start,
        end=end,
        order=order,
        direction=direction,
        query=params.get("query") or "",
        all_projects=params.get("queryReferrer") == ISSUE_REPLAYS,
    )


def replay_fields_parse(params: QueryDict) -> tuple[str, ...]:
    """The ``field`` values alone (``()`` when absent), for the single-replay endpoints."""
    return _fields(params)


def replay_window_parse_optional(params: QueryDict) -> tuple[datetime | None, datetime | None]:
    """The time range when the request names one (``statsPeriod``, ``start``/``end``), else no
    bound: a single replay is looked up whatever its age unless the client narrows it."""
    if not params.get("statsPeriod") and "start" not in params and "end" not in params:
        return None, None
    return _window(params)


def replay_data_source(preferred: str | None) -> str:
    """The ``X-Data-Source`` answering an ``X-Preferred-Data-Source`` (Sentry's values; anything
    else is the default, as Sentry ignores an unknown preference). A replay is one stored row,
    folded at ingestion, so both strategies run the same query here and give the same rows."""
    return DATA_SOURCES.get(preferred or "", DATA_SOURCES[DEFAULT_DATA_SOURCE])

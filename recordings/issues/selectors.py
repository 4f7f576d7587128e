"""Reads of issues: one organization's issues with their event counts, filtered and ordered.

An issue is listed when at least one of its stored events falls in the request's window (time
range, SDK environments); ``count`` and ``lastSeen`` are of those events, as Sentry's issue list
counts the events of the selected period. One query per page, whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet

from recordings.models import ErrorIssue
from recordings_api.models import Environment

# Sentry's ``sort`` values this service can order by, and the order each means.
ISSUE_SORTS: dict[str, tuple[str, ...]] = {
    "date": ("-last_seen", "-id"),
    "new": ("-first_seen", "-id"),
    "freq": ("-count", "-id"),
}
DEFAULT_SORT = "date"


@dataclass(frozen=True)
class IssueFilters:
    environments: Sequence[Environment]
    sdk_environments: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    sort: str = DEFAULT_SORT  # a key of ISSUE_SORTS
    ids: Sequence[int] = field(default_factory=tuple)  # when given, only these issues


def _events_condition(filters: IssueFilters) -> Q:
    condition = Q()
    if filters.start is not None:
        condition &= Q(events__timestamp__gte=filters.start)
    if filters.end is not None:
        condition &= Q(events__timestamp__lt=filters.end)
    if filters.sdk_environments:
        condition &= Q(events__sdk_environment__in=list(filters.sdk_environments))
    return condition


def issues_select(filters: IssueFilters) -> QuerySet[ErrorIssue]:
    """The issues ``filters`` select, annotated with ``count`` and ``last_seen``, in its order."""
    events = _events_condition(filters)
    issues = ErrorIssue.objects.filter(environment__in=list(filters.environments))
    if filters.ids:
        issues = issues.filter(id__in=list(filters.ids))
    return (
        issues.annotate(
            count=Count("events", filter=events), last_seen=Max("events__timestamp", filter=events)
        )
        .filter(count__gt=0)
        .select_related("environment__project")
        .order_by(*ISSUE_SORTS[filters.sort])
    )

"""An issue as Sentry's issue object (the keys a client of ``organizations/{org}/issues/`` reads)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from recordings.models import ErrorIssue
from recordings_api.sentry.serializers import SentryProjectSerializer

STATUS = "unresolved"  # issues are never resolved here
ISSUE_TYPE = "error"


def _date(moment: Any) -> str:
    return serializers.DateTimeField().to_representation(moment)


def issue_data(issue: ErrorIssue) -> dict[str, Any]:
    """``issue`` (annotated by ``issues_select``) as Sentry's object; ``count`` is a string, as
    Sentry's is."""
    environment = issue.environment
    project = SentryProjectSerializer(environment).data
    return {
        "id": str(issue.id),
        "shortId": f"{environment.slug.upper()}-{issue.id}",
        "title": issue.title,
        "culprit": issue.culprit,
        "level": issue.level,
        "status": STATUS,
        "type": ISSUE_TYPE,
        "platform": issue.platform,
        "metadata": {"type": issue.exception_type, "value": issue.exception_value},
        "count": str(getattr(issue, "count", 0)),
        "firstSeen": _date(issue.first_seen),
        "lastSeen": _date(getattr(issue, "last_seen", None) or issue.first_seen),
        "project": {key: project[key] for key in ("id", "slug", "name", "platform")},
    }

"""Query parameters shared by the Sentry face's replay endpoints, validated into Sentry's 400s
(a field → messages body): ``field``, ``environment``, the time range and ``project``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from recordings.sentry_replay.objects import REPLAY_FIELDS

_PERIOD = re.compile(r"^(\d{1,7})([smhdw])$")
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _listed(request: Request, name: str) -> list[str]:
    return [value for value in request.query_params.getlist(name) if value != ""]


class TimeRangeSerializer(serializers.Serializer):
    """``statsPeriod`` (``<n><s|m|h|d|w>``) or ``start`` + ``end`` (ISO 8601); none: no bound."""

    statsPeriod = serializers.RegexField(_PERIOD, required=False, help_text="e.g. `24h`, `14d`.")
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("start" in attrs) != ("end" in attrs):
            raise serializers.ValidationError({"end": ["start and end are required together."]})
        if "start" in attrs and "statsPeriod" in attrs:
            raise serializers.ValidationError({"statsPeriod": ["Use statsPeriod or start and end."]})
        if "start" in attrs and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": ["start must be before end."]})
        return attrs


def time_range(request: Request) -> tuple[datetime | None, datetime | None]:
    """``(start, end)`` the request names (400 when invalid); ``(None, None)`` when none."""
    params = {
        key: request.query_params[key]
        for key in ("statsPeriod", "start", "end")
        if request.query_params.get(key)
    }
    serializer = TimeRangeSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    if "statsPeriod" in data:
        match = _PERIOD.match(data["statsPeriod"])
        assert match is not None
        now = timezone.now()
        return now - timedelta(seconds=int(match[1]) * _PERIOD_SECONDS[match[2]]), now
    return data.get("start"), data.get("end")


def replay_fields(request: Request) -> list[str] | None:
    """The ``field`` values (repeatable; None when absent); an unknown one is a 400."""
    fields = _listed(request, "field")
    unknown = [name for name in fields if name not in REPLAY_FIELDS]
    if unknown:
        raise serializers.ValidationError({"field": [f'"{name}" is not a valid choice.' for name in unknown]})
    return fields or None


def sdk_environments(request: Request) -> list[str]:
    """The ``environment`` values: the SDK's environment strings (repeatable)."""
    return _listed(request, "environment")


def listed(request: Request, name: str) -> list[str]:
    return _listed(request, name)

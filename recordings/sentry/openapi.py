"""The Sentry face's replay object for the OpenAPI document (``replay_object`` builds it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from recordings.metrics import order_fields
from recordings.sentry.browse_params import (
    DATA_SOURCES,
    DEFAULT_DATA_SOURCE,
    DEFAULT_SORT,
    DEFAULT_STATS_PERIOD,
    EPOCH_PATTERN,
    PERIOD_PATTERN,
)
from recordings.sentry.replay_object import REPLAY_FIELDS
from recordings_api.sentry.selectors import PROJECT_ID_PATTERN

REPLAYS_TAG = "Sentry: replays"


def _text() -> serializers.CharField:
    return serializers.CharField(allow_null=True)


class _NameVersion(serializers.Serializer):
    name = _text()
    version = _text()


class _Device(serializers.Serializer):
    brand = _text()
    family = _text()
    model_id = _text()
    model = serializers.CharField(allow_null=True, help_text="Today's name of `model_id`.")
    name = _text()


class _User(serializers.Serializer):
    id = _text()
    username = _text()
    email = _text()
    ip = _text()
    ip_address = serializers.CharField(allow_null=True, help_text="The seed's name of `ip`.")
    display_name = serializers.CharField(
        allow_null=True, help_text="The first of username, email, id and ip that is set."
    )


def _count(help_text: str = "") -> serializers.IntegerField:
    return serializers.IntegerField(allow_null=True, help_text=help_text or None)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            {"type": "array", "maxItems": 0, "description": "An archived replay's `[]`."},
        ]
    }
)
class _Tags(serializers.Field):
    """Tag key → values; an archived replay's is an empty list, as Sentry has it."""


def _ids(help_text: str = "") -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=help_text)


class SentryReplaySerializer(serializers.Serializer):
    """Sentry's replay object (documentation only). With `field`, exactly those keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for declared in self.fields.values():
            declared.required = False  # ``field`` restricts the keys: none is always there

    activity = _count(help_text="1 to 10: (count_errors * 25 + count_urls * 5) div 10.")
    browser = _NameVersion()
    count_dead_clicks = _count()
    count_rage_clicks = _count()
    count_errors = _count()
    count_warnings = _count()
    count_infos = _count()
    count_segments = _count()
    count_urls = _count()
    device = _Device()
    dist = _text()
    duration = _count(help_text="Whole seconds from started_at to finished_at.")
    environment = serializers.CharField(allow_null=True, help_text="The SDK's environment string.")
    error_ids = _ids()
    warning_ids = _ids()
    info_ids = _ids()
    finished_at = serializers.CharField(allow_null=True, help_text="The latest timestamp (ISO 8601).")
    id = serializers.CharField(help_text="The replay id: 32 lowercase hex.")
    is_archived = serializers.BooleanField(
        help_text="Deleted: the replay is a placeholder (id, project; the rest null or empty, `tags` "
        "an empty list). Browse lists such replays after the live ones."
    )
    has_viewed = serializers.BooleanField(help_text="Whether you viewed it.")
    os = _NameVersion()
    platform = _text()
    project_id = serializers.CharField()
    releases = _ids()
    replay_type = _text()
    sdk = _NameVersion()
    started_at = serializers.CharField(allow_null=True, help_text="The earliest replay start (ISO 8601).")
    tags = _Tags()
    trace_ids = _ids()
    urls = _ids("Every visited URL, in order.")
    user = _User()
    clicks = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Only with `field=clicks`: the replay's clicks by time, each with `click.alt`, "
        "`click.label`, `click.classes` (a list), `click.component_name`, `click.id`, `click.role`, "
        "`click.tag`, `click.testid`, `click.text`, `click.title`.",
    )


def _query(
    name: str, description: str, *, many: bool = False, kind: OpenApiTypes = OpenApiTypes.STR
) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, many=many)


def _sort_members() -> list[str]:
    return [prefix + key for key in order_fields("sentry") for prefix in ("", "-")]


# RFC 3339 date-times as the parser reads them: upper-case ``T``/``Z``, years from 0001, no leap
# second (``format: date-time`` alone admits all three, which the parser refuses).
_DATE_TIME_PATTERN = (
    r"^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}"
    r"T[0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_MOMENT = {
    "anyOf": [
        {"type": "string", "format": "date-time", "pattern": _DATE_TIME_PATTERN},
        {"type": "string", "pattern": f"^{EPOCH_PATTERN}$", "description": "Epoch seconds."},
    ]
}
# The time range of every Sentry operation taking one (``browse_params`` enforces it). ``start`` and
# ``end`` come together or not at all, so they are one exploded object: its members are the query
# parameters ``start`` and ``end`` (the object's own name is never sent). That ``start`` is not after
# ``end`` is beyond JSON Schema: the description states it (schemathesis's harness generates it).
TIME_RANGE_PARAMETER = "timeRange"
TIME_RANGE = [
    OpenApiParameter(
        "statsPeriod",
        {"type": "string", "pattern": f"^({PERIOD_PATTERN})?$"},
        OpenApiParameter.QUERY,
        description=f"`<n><s|m|h|d|w>` back from now (default `{DEFAULT_STATS_PERIOD}`); checked even when "
        "`start` and `end` are given, which win.",
    ),
    OpenApiParameter(
        TIME_RANGE_PARAMETER,
        {
            "type": "object",
            "properties": {"start": _MOMENT, "end": _MOMENT},
            "additionalProperties": False,
            "anyOf": [
                {"required": ["start", "end"]},
                {"not": {"anyOf": [{"required": ["start"]}, {"required": ["end"]}]}},
            ],
        },
        OpenApiParameter.QUERY,
        style="form",
        explode=True,
        description="Not a parameter itself: the query parameters `start` and `end`, ISO 8601 or epoch "
        "seconds, both or neither (`start` after `end` is a 400).",
    ),
]

# ``field``: the replay object's keys to answer (``browse_params._fields``); empty values are none.
FIELD = OpenApiParameter(
    "field",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    many=True,
    enum=["", *REPLAY_FIELDS],
    description="Repeatable: each replay has exactly these keys (empty values are ignored).",
)
ENVIRONMENT = OpenApiParameter(
    "environment",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    many=True,
    description="Repeatable: the SDK's environment strings (empty values are ignored).",
)
# Which projects an organization endpoint reads (``sentry_projects_select``); empty values are none.
PROJECTS = [
    OpenApiParameter(
        "project",
        {
            "type": "array",
            "items": {"type": "string", "pattern": f"^({PROJECT_ID_PATTERN})?$"},
        },
        OpenApiParameter.QUERY,
        description="Repeatable project ids; `-1`: every project you may see. An unknown one is a 404.",
    ),
    OpenApiParameter(
        "projectSlug",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        many=True,
        description="Repeatable project slugs. An unknown one is a 404.",
    ),
]

BROWSE_PARAMETERS = [
    FIELD,
    *PROJECTS,
    ENVIRONMENT,
    *TIME_RANGE,
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        enum=["", *_sort_members()],
        description=f"`[-]key` (default `{DEFAULT_SORT}`, also when empty).",
    ),
    _query(
        "query",
        "Sentry's search: `key:value`, `!key:value`, `key:>n`, `key:[a,b]`, `*` wildcards, quotes, "
        "`AND`/`OR` (left to right) and parentheses, free text; e.g. `count_errors:>2 AND duration:<1h`.",
    ),
    _query("queryReferrer", "`issueReplays`: every project you may see, whatever `project` says."),
    OpenApiParameter(
        "X-Preferred-Data-Source",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=f"Sentry's query strategy: {', '.join(f'`{name}`' for name in DATA_SOURCES)} (default "
        f"`{DEFAULT_DATA_SOURCE}`; any other value is the default, as Sentry ignores it); both give the "
        "same replays here.",
    ),
    OpenApiParameter(
        "X-Data-Source",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        enum=list(DATA_SOURCES.values()),
        description="The query strategy used (`X-Preferred-Data-Source`).",
    ),
]

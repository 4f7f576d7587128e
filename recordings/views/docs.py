"""OpenAPI descriptions of the recordings endpoints: list parameters and the query language."""

from __future__ import annotations

from typing import Any

from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from recordings.filters import ORDERS
from recordings.filters.dates import DATE_PATTERN
from recordings.filters.ordering import ORDER_DIRECTIONS
from recordings.filters.params import HIDE_VIEWED_VALUES, OPERANDS, UUID_PATTERN, any_case_pattern
from recordings.filters.schema import COMPONENTS, JSON_PARAMETER_SCHEMAS, TEXT, ids_schema
from recordings_api.openapi import AutoSchema
from recordings_api.serializers import ApiErrorSerializer

QUERY_LANGUAGE = """
**Search query language (`query`)** — Sentry-style `field:value` terms:

| Syntax | Meaning |
| --- | --- |
| `key:value` | equals (text: exact, case-sensitive) |
| `!key:value` | not equal (a missing value counts as not equal) |
| `key:>N`, `key:<N`, `key:>=N`, `key:<=N` | comparisons (numbers, durations, person and session properties) |
| `key:[a,b,c]` | any of |
| `key:*part*` | wildcard (`*` = anything), whole value, case-insensitive |
| `a AND b`, `a b` | both (adjacent terms are ANDed) |
| `a OR b`, `( … )` | either; AND binds tighter than OR |
| `"quoted value"` | values with spaces or parentheses (`\\"` escapes a quote) |

Durations take units `ms`, `s`, `m`/`min`, `h`, `d`, `w` (a bare number is seconds).

Fields: `duration`, `active_seconds`, `inactive_seconds` (durations); `click_count`, `keypress_count`,
`mouse_activity_count`, `console_log_count`, `console_warn_count`, `console_error_count` (alias
`count_errors`), `activity_score` (numbers); `url`/`urls` (any visited URL), `start_url`,
`distinct_id` (alias `user.id`), `id` (session id), `snapshot_source`, `browser`, `browser.version`,
`os`, `os.version`, `device_type` (text); `person.<property>` (the person's properties, alias
`user.email`); `viewed` (by you), `ongoing` (booleans: `true`/`false`).

Examples: `count_errors:>2 AND duration:<1h` · `url:*checkout* !browser:Safari` ·
`person.email:*@example.com (os:Windows OR os:"Mac OS X")` · `click_count:[0,1] viewed:false` ·
`duration:>=30s ongoing:true`.

An unknown field, an operator the field does not support, an unparseable value or a syntax error
is a 400 with `attr: "query"` and a message saying which (and where).
"""

LIST_DESCRIPTION = (
    "Recordings of this environment, newest first by default, paginated with `limit` (default 50) and "
    "`offset`. Array, object and boolean parameters are JSON (as PostHog's front end sends them: "
    '`events=[{"id": "$pageview"}]`, `filter_test_accounts=true`); a JSON-valued parameter '
    'sent `null`, empty or as `""` counts as not sent. Text parameters are taken as sent '
    "(`date_from=-3d`, not JSON-quoted). An unknown parameter is a 400 naming it. Without `date_from` "
    "every recording still within its retention period is listed (PostHog's front end always sends a "
    "window). The body carries DRF pagination (`count`, `next`, `previous`) and PostHog's `has_next`, "
    "`version` and `next_cursor` (pass it as `after` for the next page: a cursor belongs to the "
    "`order` and `order_direction` it was made for, and does not combine with `offset` or "
    "`session_ids`, rules between parameters the schemas cannot state).\n" + QUERY_LANGUAGE
)
# The string format of the search language (``recordings.query_language``; no JSON Schema states it).
QUERY_FORMAT = "posthog-recordings-search"
# The ``after`` cursor: URL-safe base64 without padding (``recordings.cursor``).
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"
# Schemas carrying this extension are JSON text: documented as ``content: application/json``.
JSON_EXTENSION = "x-json-parameter"


def _json(name: str, description: str, schema: dict[str, Any] | None = None) -> OpenApiParameter:
    """A JSON-valued parameter (``filters.params.JSON_PARAMS``): its schema is the decoded value's."""
    return OpenApiParameter(
        name,
        schema or JSON_PARAMETER_SCHEMAS[name],
        OpenApiParameter.QUERY,
        description=description,
        extensions={JSON_EXTENSION: True},
    )


def _text(name: str, schema: dict[str, Any], description: str) -> OpenApiParameter:
    """A text parameter, taken as sent (empty: not sent)."""
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description)


def _choices(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": ["", *values]}


PAGINATION_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description="Page size (default 50).",
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0},
        OpenApiParameter.QUERY,
        description="Index of the first result.",
    ),
]
_DATE = {"type": "string", "pattern": f"^$|{DATE_PATTERN}"}

LIST_PARAMETERS = [
    *PAGINATION_PARAMETERS,
    _text(
        "date_from",
        _DATE,
        "Start of the window on `start_time`: relative (`-3d`, `-24h`, `-30M`, `-1m` month, "
        "`dStart`) or an ISO-8601 date/date-time; `all`: no bound. Default: no lower bound besides "
        "retention.",
    ),
    _text("date_to", _DATE, "End of the window (same formats; a plain date means the end of that day)."),
    _json(
        "events",
        'JSON array of event filters, e.g. `[{"id": "$pageview", "type": "events", '
        '"properties": [{"key": "$current_url", "value": "checkout", "operator": "icontains"}]}]`.',
    ),
    _json(
        "actions",
        'JSON array of action filters `[{"id": 12, "type": "actions", "properties": [...]}]`: recordings '
        "with an event matching the action (`…/actions/`) and the entry's property filters. An action "
        "this environment does not have is a 400.",
    ),
    _json(
        "comment_text",
        'A recording property filter `{"key": "comment_text", "type": "recording", "operator": "icontains", '
        '"value": "…"}` on the recording\'s comments (`is_set`, `is_not_set`, `exact`, `is_not`, '
        "`icontains`, `not_icontains`).",
    ),
    _text(
        "after",
        {"type": "string", "pattern": CURSOR_PATTERN},
        "The `next_cursor` of a previous page: the page after it in the same order (keyset pagination, "
        "stable under inserts). It must come with the `order` and `order_direction` it was made for, "
        "and does not combine with `offset` or `session_ids` (400s).",
    ),
    _json(
        "properties",
        'JSON array of property filters `{"key", "value", "operator", "type"}`; types `person`, '
        "`event` (the default), `session`, `recording`, `element` (`selector`, `tag_name`, `text`, "
        "`href` of autocapture clicks); operators `exact` (the default), `is_not`, `icontains`, "
        "`not_icontains`, `regex`, `not_regex`, `gt`, `gte`, `lt`, `lte`, `is_set`, `is_not_set`.",
    ),
    _json(
        "console_log_filters",
        'JSON array, e.g. `[{"key": "console_log_level", "value": ["warn", "error"], '
        '"operator": "exact", "type": "log_entry"}]`.',
    ),
    _json(
        "having_predicates",
        'JSON array of `recording` property filters on metrics, e.g. `[{"type": '
        '"recording", "key": "duration", "value": 60, "operator": "gt"}]` (keys: duration, active_seconds, '
        "inactive_seconds, click_count, keypress_count, mouse_activity_count, console_*_count, "
        "activity_score).",
    ),
    _json("duration", "Legacy alias of `having_predicates` (saved playlist filters)."),
    _text(
        "operand",
        {"type": "string", "pattern": any_case_pattern(OPERANDS)},
        "`AND` (default) or `OR`, any case: how events, properties and console filters combine.",
    ),
    _json("filter_test_accounts", "`true` applies the environment's test-account filters."),
    _json(
        "session_ids",
        "JSON array of session ids (or a comma-separated text of them); results come in this order.",
    ),
    _text(
        "person_uuid",
        {"type": "string", "pattern": f"^$|{UUID_PATTERN}"},
        "Recordings of every distinct id of this person.",
    ),
    _json("distinct_ids", "JSON array of distinct ids (or a comma-separated text of them)."),
    _text("distinct_id", TEXT, "One distinct id (as in the published docs)."),
    _text(
        "order",
        _choices(*ORDERS),
        f"Sort key, one of: {', '.join(f'`{order}`' for order in ORDERS)}. Default `start_time`.",
    ),
    _text(
        "order_direction",
        {"type": "string", "pattern": any_case_pattern(ORDER_DIRECTIONS)},
        "`DESC` (default) or `ASC`, any case.",
    ),
    _text("query", {"type": "string", "format": QUERY_FORMAT}, "Search query language; see the description."),
    _text(
        "hide_viewed_recordings",
        _choices("false", *HIDE_VIEWED_VALUES),
        "`current-user` or `any-user`: leave out viewed recordings (`false`: keep them).",
    ),
    _text(
        "session_recording_id",
        TEXT,
        "Put this recording first on the first page even when it does not match (`matches_filters: false`).",
    ),
]


_BY_NAME = {parameter.name: parameter for parameter in LIST_PARAMETERS}


def _session_ids_parameter(count: str, description: str) -> OpenApiParameter:
    """The required ``session_ids`` of an action on given sessions (``count``: see ``ids_schema``)."""
    return OpenApiParameter(
        "session_ids",
        ids_schema(count=count),
        OpenApiParameter.QUERY,
        required=True,
        description=description,
        extensions={JSON_EXTENSION: True},
    )


MATCHING_PARAMETERS = [
    _session_ids_parameter(
        "one", 'Exactly one session id: a JSON array of one (`["a"]`), or the id as text.'
    ),
    *(_BY_NAME[name] for name in ("events", "properties", "actions")),
]
PROPERTIES_PARAMETERS = [
    _session_ids_parameter(
        "some", 'At least one session id: a JSON array (`["a", "b"]`) or a comma-separated text.'
    )
]


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    text = {
        400: "Invalid input (`validation_error`); `attr` names the parameter or field.",
        401: "No or invalid credentials.",
        403: "The API key lacks the scope, or is restricted to other projects.",
        404: "No such recording in this environment (deleted, expired, or another organization's project).",
    }
    return {code: OpenApiResponse(ApiErrorSerializer, description=text[code]) for code in codes}


class JSONParametersAutoSchema(AutoSchema):
    """Documents the recordings viewset's JSON-valued query parameters (``JSON_EXTENSION``) as
    OpenAPI's ``content: application/json`` form (the value is JSON text of that schema), and
    registers the named filter schemas they refer to (``filters.schema.COMPONENTS``)."""

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._get_parameters()
        documented = []
        for parameter in parameters:
            if parameter.pop(JSON_EXTENSION, False):
                schema = parameter.pop("schema")
                parameter["content"] = {"application/json": {"schema": schema}}
            documented.append(parameter)
        if any("content" in parameter for parameter in documented):
            for name, schema in COMPONENTS.items():
                self.registry.register_on_missing(
                    ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
                )
        return documented

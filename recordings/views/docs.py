"""OpenAPI descriptions of the recordings endpoints: list parameters and the query language."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from recordings.filters import ORDERS
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
    "`offset`. Values of query parameters are JSON-decoded when they parse (PostHog style), so arrays "
    "and objects are passed as JSON. An unknown parameter is a 400 naming it. Without `date_from` every "
    "recording still within its retention period is listed (PostHog's front end always sends a "
    "window). The body carries DRF pagination (`count`, `next`, `previous`) and PostHog's `has_next`, "
    "`version` and `next_cursor` (pass it as `after` for the next page).\n" + QUERY_LANGUAGE
)


def _json(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=description)


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

LIST_PARAMETERS = [
    *PAGINATION_PARAMETERS,
    _json(
        "date_from",
        "Start of the window on `start_time`: relative (`-3d`, `-24h`, `-30M`, `-1m` month, "
        "`dStart`) or an ISO-8601 date/date-time. Default: no lower bound besides retention.",
    ),
    _json("date_to", "End of the window (same formats; a plain date means the end of that day)."),
    _json(
        "events",
        'JSON array of event filters, e.g. `[{"id": "$pageview", "type": "events", '
        '"properties": [{"key": "$current_url", "value": "checkout", "operator": "icontains"}]}]`.',
    ),
    _json(
        "actions",
        'JSON array of action filters `[{"id": 12, "type": "actions", "properties": [...]}]`: recordings '
        "with an event matching the action (`…/actions/`) and the entry's property filters.",
    ),
    _json(
        "comment_text",
        'A recording property filter `{"key": "comment_text", "type": "recording", "operator": "icontains", '
        '"value": "…"}` on the recording\'s comments (`is_set`, `is_not_set`, `exact`, `is_not`, '
        "`icontains`, `not_icontains`).",
    ),
    _json(
        "after",
        "The `next_cursor` of a previous page: the page after it in the same order (keyset pagination, "
        "stable under inserts). Does not combine with `offset` or `session_ids`.",
    ),
    _json(
        "properties",
        'JSON array of property filters `{"key", "value", "operator", "type"}`; types `person`, '
        "`event`, `session`, `recording`, `element` (`selector`, `tag_name`, `text`, `href` of autocapture "
        "clicks); operators `exact`, `is_not`, `icontains`, `not_icontains`, "
        "`regex`, `not_regex`, `gt`, `gte`, `lt`, `lte`, `is_set`, `is_not_set`.",
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
    _json("operand", "`AND` (default) or `OR`: how events, properties and console filters combine."),
    _json("filter_test_accounts", "`true` applies the environment's test-account filters."),
    _json("session_ids", "JSON array of session ids; results come in this order."),
    _json("person_uuid", "Recordings of every distinct id of this person."),
    _json("distinct_ids", "JSON array of distinct ids."),
    _json("distinct_id", "One distinct id (as in the published docs)."),
    _json("order", f"Sort key, one of: {', '.join(f'`{order}`' for order in ORDERS)}. Default `start_time`."),
    _json("order_direction", "`DESC` (default) or `ASC`."),
    _json("query", "Search query language; see the description."),
    _json("hide_viewed_recordings", "`current-user` or `any-user`: leave out viewed recordings."),
    _json(
        "session_recording_id",
        "Put this recording first on the first page even when it does not match (`matches_filters: false`).",
    ),
]

SESSION_IDS_PARAMETER = _json("session_ids", 'JSON array of session ids, e.g. `["a", "b"]`.')


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    text = {
        400: "Invalid input (`validation_error`); `attr` names the parameter or field.",
        401: "No or invalid credentials.",
        403: "The API key lacks the scope, or is restricted to other projects.",
        404: "No such recording in this environment (deleted, expired, or another organization's project).",
    }
    return {code: OpenApiResponse(ApiErrorSerializer, description=text[code]) for code in codes}

"""The OpenAPI description of the Sentry face's replay-aggregate endpoints: replay-count,
replay-selectors and the tag endpoints (raw schemas, Sentry's keys)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from recordings.sentry_replay.counts import QUERY_PATTERN
from recordings.sentry_replay.schema import ENVIRONMENT, PAGE, PROJECTS, STRINGS, TIME_RANGE, object_schema
from recordings.sentry_replay.tags import MAX_VALUES, TAG_KEY_PATTERN, VALUE_SORTS
from recordings_api.sentry.pagination import page_parameters

# A page of tag values may hold every value kept (``MAX_VALUES``).
TAG_VALUES_MAX_PAGE = MAX_VALUES

replay_count_schema = extend_schema(
    operation_id="sentry_replay_count",
    summary="Count replays per issue, transaction or replay id",
    description="`query` names exactly one of `replay_id` (≤ 100), `transaction` (≤ 25; replays tagged "
    "`transaction`) or `issue.id` (≤ 25; replays linked to an error event of the issue, see "
    "`organizations/{org}/issues/`) "
    "as a list: `replay_id:[a,b]`. Answers `{value: count}` (capped at 51), or with `returnIds=true` "
    "`{value: [replay ids]}`; `{}` when no selected project has a recording.",
    parameters=[
        OpenApiParameter(
            "query",
            {"type": "string", "pattern": QUERY_PATTERN},
            required=True,
            description="Exactly one list, e.g. `replay_id:[…]`; values bare or double-quoted.",
        ),
        OpenApiParameter("returnIds", OpenApiTypes.BOOL, required=False),
        OpenApiParameter("data_source", OpenApiTypes.STR, required=False, description="Accepted, unused."),
        *PROJECTS,
        *TIME_RANGE,
    ],
    responses={
        200: OpenApiResponse(
            {
                "type": "object",
                "additionalProperties": {"oneOf": [{"type": "integer"}, STRINGS]},
            },
            examples=[OpenApiExample("counts", {"7e07485f12f9416b8b1426260799b51f": 1})],
        )
    },
)
# The string format of a selector search (the search language over the two counts).
SELECTOR_SEARCH_FORMAT = "sentry-selector-search"
ELEMENT = object_schema(
    {
        **{
            name: {"type": "string"} for name in ("alt", "aria_label", "id", "role", "tag", "testid", "title")
        },
        "class": STRINGS,
        "project_id": {"type": "integer"},
    }
)
selectors_schema = extend_schema(
    operation_id="sentry_replay_selectors_list",
    summary="List dead and rage click selectors",
    description="Dead and rage clicks grouped by project and element, with `dom_element` spelt as Sentry "
    "does. "
    "`sort`: `count_dead_clicks` or `count_rage_clicks`, `-` for descending (default "
    "`-count_dead_clicks`); `query` filters the two counts (`count_dead_clicks:>2`). Exact counts (no "
    "sampling).",
    parameters=[
        OpenApiParameter(
            "sort",
            OpenApiTypes.STR,
            required=False,
            enum=["", "count_dead_clicks", "-count_dead_clicks", "count_rage_clicks", "-count_rage_clicks"],
            description="Empty: the default.",
        ),
        OpenApiParameter(
            "query",
            {"type": "string", "format": SELECTOR_SEARCH_FORMAT},
            required=False,
            description="Sentry's search over `count_dead_clicks` and `count_rage_clicks` (`:`, `:>`, "
            "`:<`, `:>=`, `:<=`, `!`), joined by `AND` / `OR`, e.g. `count_dead_clicks:>2`; empty: all.",
        ),
        *PROJECTS,
        ENVIRONMENT,
        *TIME_RANGE,
        *PAGE,
    ],
    responses={
        200: OpenApiResponse(
            object_schema(
                {
                    "data": {
                        "type": "array",
                        "items": object_schema(
                            {
                                "count_dead_clicks": {"type": "integer"},
                                "count_rage_clicks": {"type": "integer"},
                                "dom_element": {"type": "string"},
                                "element": ELEMENT,
                                "project_id": {"type": "integer"},
                            }
                        ),
                    }
                }
            )
        )
    },
)
TAG_KEYS = {
    "type": "array",
    "items": object_schema(
        {"key": {"type": "string"}, "name": {"type": "string"}, "totalValues": {"type": "integer"}}
    ),
}
TAG_VALUES = {
    "type": "array",
    "items": object_schema(
        {
            "key": {"type": "string"},
            "name": {"type": "string"},
            "value": {"type": "string"},
            "count": {"type": "integer"},
            "lastSeen": {"type": "string", "format": "date-time"},
            "firstSeen": {"type": "string", "format": "date-time"},
        }
    ),
}
DATASETS = ("replays",)
DATASET = OpenApiParameter(
    "dataset",
    {"type": "string", "enum": ["", *DATASETS]},
    required=False,
    description="`replays` (the default, also when empty; the only one served).",
)


def tag_keys_schema(*, organization: bool) -> Any:
    """The tag keys operation; the organization's route also selects projects."""
    return extend_schema(
        summary="List replay tag keys",
        description="Keys some replay carries: the SDK's tags and the columns Sentry maps (`browser.name`, "
        "`os.name`, `device.*`, `release`, `url`, `user.*`, `sdk.*`, `environment`, `platform`, `dist`, "
        "`replay_type`); posthog-js recordings have the columns their event properties fill. "
        "`totalValues`: how many replays carry the key. A bare list.",
        parameters=[DATASET, *(PROJECTS if organization else []), *TIME_RANGE],
        responses={200: OpenApiResponse(TAG_KEYS)},
    )


def tag_values_schema(*, organization: bool) -> Any:
    """The tag values operation; the organization's route also selects projects."""
    return extend_schema(
        summary="List a replay tag key's values",
        description="Values of the key: `count` = replays carrying it, `firstSeen`/`lastSeen` = earliest "
        "start and latest end among them; `query` is a case-insensitive substring; `sort` `-count` "
        "(default, also when empty) or `-last_seen`; at most 1000. A bare list; paginated "
        "(`per_page`/`cursor`, `Link`).",
        parameters=[
            OpenApiParameter(
                "key",
                {"type": "string", "pattern": f"^{TAG_KEY_PATTERN}$"},
                OpenApiParameter.PATH,
                description="The tag key (another format is a 400); a key no replay carries has no values.",
            ),
            OpenApiParameter("query", OpenApiTypes.STR, required=False),
            OpenApiParameter("sort", OpenApiTypes.STR, required=False, enum=["", *VALUE_SORTS]),
            DATASET,
            *(PROJECTS if organization else []),
            *TIME_RANGE,
            *page_parameters(max_limit=TAG_VALUES_MAX_PAGE),
        ],
        responses={200: OpenApiResponse(TAG_VALUES)},
    )

"""The OpenAPI description of the Sentry face's single-replay and replay-aggregate endpoints.

Response bodies are raw schemas (Sentry's keys, not serializer fields); errors in Sentry's shape
are added to every operation by ``recordings_api.openapi.AutoSchema``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from recordings.sentry.openapi import ENVIRONMENT, FIELD, PROJECTS, TIME_RANGE
from recordings_api.openapi import AutoSchema
from recordings_api.sentry.openapi import sentry_errors
from recordings_api.sentry.pagination import page_parameters


class WholeBodySchema(AutoSchema):
    """For views whose bodies are documented whole (raw schemas, ``{"data": [...]}`` included): a
    ``list`` action's body is not an array of its documented schema."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


# The string format of a click search (the search language over the click fields; it has no JSON
# Schema of its own).
CLICK_SEARCH_FORMAT = "sentry-click-search"
STR_OR_NULL = {"type": "string", "nullable": True}
STRINGS = {"type": "array", "items": {"type": "string"}}


def object_schema(properties: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(properties)
    return schema


def _pair(*names: str) -> dict[str, Any]:
    return object_schema({name: STR_OR_NULL for name in names})


REPLAY = object_schema(
    {
        "activity": {"type": "integer", "nullable": True, "description": "1 to 10, Sentry's formula."},
        "browser": _pair("name", "version"),
        "clicks": {"type": "array", "items": {"type": "object"}, "description": "Only with `field=clicks`."},
        "count_dead_clicks": {"type": "integer", "nullable": True},
        "count_errors": {"type": "integer", "nullable": True},
        "count_infos": {"type": "integer", "nullable": True},
        "count_rage_clicks": {"type": "integer", "nullable": True},
        "count_segments": {"type": "integer", "nullable": True},
        "count_urls": {"type": "integer", "nullable": True},
        "count_warnings": {"type": "integer", "nullable": True},
        "device": _pair("brand", "family", "model", "model_id", "name"),
        "dist": STR_OR_NULL,
        "duration": {"type": "integer", "nullable": True, "description": "Seconds."},
        "environment": {**STR_OR_NULL, "description": "The SDK's environment string."},
        "error_ids": STRINGS,
        "finished_at": {"type": "string", "format": "date-time", "nullable": True},
        "has_viewed": {"type": "boolean"},
        "id": {"type": "string", "description": "32 hex."},
        "info_ids": STRINGS,
        "is_archived": {"type": "boolean"},
        "os": _pair("name", "version"),
        "platform": STR_OR_NULL,
        "project_id": {"type": "string"},
        "releases": STRINGS,
        "replay_type": STR_OR_NULL,
        "sdk": _pair("name", "version"),
        "started_at": {"type": "string", "format": "date-time", "nullable": True},
        "tags": {
            "oneOf": [
                {"type": "object", "additionalProperties": STRINGS},
                {"type": "array", "maxItems": 0, "description": "An archived replay's `[]`."},
            ]
        },
        "trace_ids": STRINGS,
        "urls": STRINGS,
        "user": _pair("display_name", "email", "id", "ip", "ip_address", "username"),
        "warning_ids": STRINGS,
    },
    required=False,
)
REPLAY_RESPONSE = object_schema({"data": REPLAY})
REPLAY_ID = OpenApiParameter(
    "replay_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The replay id (a UUID, dashes optional).",
)
PAGE = page_parameters()
EMPTY_404 = OpenApiResponse(description="Unknown replay, or an id that is no UUID: an empty body.")
_ARCHIVED = (
    "After a DELETE the replay is archived: it is served as Sentry serves archived replays (`is_archived: "
    'true`, `user.display_name` "Archived Replay", empty lists, `tags: []`, everything else null).'
)

replay_schema = extend_schema(
    operation_id="sentry_project_replay_retrieve",
    summary="Retrieve a replay",
    description="One replay of the project, `{\"data\": Replay}` (seed 004's attributes plus today's "
    "extras). " + _ARCHIVED,
    parameters=[REPLAY_ID, FIELD],
    responses={200: OpenApiResponse(REPLAY_RESPONSE), 404: EMPTY_404, **sentry_errors(400)},
)
replay_delete_schema = extend_schema(
    operation_id="sentry_project_replay_destroy",
    summary="Delete a replay",
    description="204 at once: the replay's metadata goes now (the PostHog face's deletion service), its "
    "blobs and live buffer in the background. Needs `session_recording:write` (or Sentry's `project:write` / "
    "`project:admin`). Deleting an archived replay is a 404. " + _ARCHIVED,
    parameters=[REPLAY_ID],
    responses={204: OpenApiResponse(description="Deleted."), 404: EMPTY_404},
)
organization_replay_schema = extend_schema(
    operation_id="sentry_organization_replay_retrieve",
    summary="Retrieve a replay of the organization",
    description="The replay in any project of the organization the key may see (narrowed by `project`, "
    '`projectSlug`, `environment` and the time range), `{"data": Replay}`. ' + _ARCHIVED,
    parameters=[REPLAY_ID, FIELD, *PROJECTS, ENVIRONMENT, *TIME_RANGE],
    responses={200: OpenApiResponse(REPLAY_RESPONSE), 404: EMPTY_404, **sentry_errors(400)},
)
clicks_schema = extend_schema(
    operation_id="sentry_replay_clicks_list",
    summary="List a replay's clicked nodes",
    description="The replay's clicks by time: `node_id` (the rrweb node) and `timestamp` (Unix seconds). "
    "`query` "
    "searches the click fields (`click.alt`, `click.class`, `click.id`, `click.label`, `click.role`, "
    "`click.selector`, `click.tag`, `click.testid`, `click.textContent`, `click.title`, "
    "`click.component_name`, `dead.selector`, `rage.selector`); as in Sentry, every `AND` counts as `OR` "
    "and a negation filters nothing. Paginated (`limit`/`offset`, `per_page`/`cursor`, `Link`).",
    parameters=[
        REPLAY_ID,
        OpenApiParameter(
            "query",
            {"type": "string", "format": CLICK_SEARCH_FORMAT},
            required=False,
            description="Sentry's search over the click fields above, e.g. `click.tag:button OR "
            'click.label:"Buy now"`; empty: every click.',
        ),
        *PAGE,
    ],
    responses={
        200: OpenApiResponse(
            object_schema(
                {
                    "data": {
                        "type": "array",
                        "items": object_schema(
                            {"node_id": {"type": "integer"}, "timestamp": {"type": "integer"}}
                        ),
                    }
                }
            ),
            examples=[OpenApiExample("clicks", {"data": [{"node_id": 339, "timestamp": 1681226444}]})],
        ),
        404: EMPTY_404,
    },
)
USER = object_schema(
    {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "username": {"type": "string"},
        "email": {"type": "string"},
        "avatarUrl": STR_OR_NULL,
        "isActive": {"type": "boolean"},
        "hasPasswordAuth": {"type": "boolean"},
        "isManaged": {"type": "boolean"},
        "dateJoined": {"type": "string", "format": "date-time", "nullable": True},
        "lastLogin": {"type": "string", "format": "date-time", "nullable": True},
        "has2fa": {"type": "boolean"},
        "lastActive": {"type": "string", "format": "date-time", "nullable": True},
        "isSuperuser": {"type": "boolean"},
        "isStaff": {"type": "boolean"},
        "experiments": {"type": "object"},
        "emails": {
            "type": "array",
            "items": object_schema(
                {"id": {"type": "string"}, "email": {"type": "string"}, "is_verified": {"type": "boolean"}}
            ),
        },
        "avatar": _pair("avatarType", "avatarUuid", "avatarUrl"),
        "type": {"type": "string", "enum": ["user"]},
    }
)
VIEWED_BY = object_schema({"data": object_schema({"viewed_by": {"type": "array", "items": USER}})})
viewed_by_list_schema = extend_schema(
    operation_id="sentry_replay_viewed_by_list",
    summary="List who viewed a replay",
    description='`{"data": {"viewed_by": [User]}}`, in the order they first viewed it; views recorded '
    "through the PostHog face count too.",
    parameters=[REPLAY_ID],
    responses={
        200: OpenApiResponse(
            object_schema({"data": object_schema({"viewed_by": {"type": "array", "items": USER}})})
        ),
        404: EMPTY_404,
    },
)
viewed_by_post_schema = extend_schema(
    operation_id="sentry_replay_viewed_by_create",
    summary="Record that you viewed a replay",
    description="No body; 204. A read scope is enough, as for the PostHog face's viewed mark.",
    parameters=[REPLAY_ID],
    request=None,
    responses={204: OpenApiResponse(description="Recorded."), 404: EMPTY_404},
)

"""OpenAPI pieces of the Sentry face: its error responses and path parameters."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from recordings_api.scopes import SENTRY_SCOPE_GRANTS
from recordings_api.sentry.serializers import SentryErrorSerializer

SENTRY_PATH_PARAMETERS = {
    "organization_id_or_slug": "The organization's slug or id.",
    "project_id_or_slug": "The Sentry project's slug or id (a project is one of our environments; its id is "
    "the environment id).",
}

SENTRY_ERRORS = {
    400: 'Invalid parameters: `{"detail": "…"}`, or a field → messages object for a parameter.',
    401: 'No credentials or an invalid personal API key: `{"detail": "…"}`.',
    403: "The key lacks the scope (Sentry's scope names count too, see the description).",
    404: "Unknown organization or project, or one this request may not see: "
    '`{"detail": "The requested resource does not exist"}`.',
    429: "The key's request budget is spent; retry after `Retry-After` seconds.",
}
_EXAMPLES = {
    400: {"detail": "Invalid per_page parameter."},
    401: {"detail": "Authentication credentials were not provided."},
    403: {"detail": "API key missing required scope 'session_recording:read'"},
    404: {"detail": "The requested resource does not exist"},
    429: {"detail": "Request was throttled. Expected available in 30 seconds."},
}


def sentry_errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses in Sentry's shape."""
    return {
        code: OpenApiResponse(
            SentryErrorSerializer,
            description=SENTRY_ERRORS[code],
            examples=[OpenApiExample(f"error_{code}", value=_EXAMPLES[code], status_codes=[code])],
        )
        for code in codes
    }


def sentry_scope_names(scope: str) -> list[str]:
    """Sentry's scope names that grant ``scope`` (ours) on the Sentry face."""
    object_name, level = scope.split(":")
    granting = {scope} if level == "write" else {scope, f"{object_name}:write"}
    return [name for name, grants in SENTRY_SCOPE_GRANTS.items() if granting & set(grants)]


def _mapping_table() -> str:
    rows = "\n".join(
        f"| `{name}` | {', '.join(f'`{s}`' for s in grants)} |"
        for name, grants in SENTRY_SCOPE_GRANTS.items()
    )
    return "| Sentry scope | grants on `/api/0/` |\n| --- | --- |\n" + rows


SENTRY_FACE_DESCRIPTION = (
    "Sentry's Replays API over the same recordings (`/api/0/`): organizations and Sentry projects (our "
    "environments; a project's id is the environment id) by slug or id, Sentry's error shape "
    '(`{"detail": …}`), `per_page`/`cursor` (or `limit`/`offset`) pagination with the `Link` header. '
    "Authenticate with `Authorization: Bearer <personal API key>`. A key's scopes may use Sentry's names, "
    "which count on `/api/0/` only:\n\n" + _mapping_table()
)
SENTRY_TAGS = [
    {"name": "Sentry: organizations", "description": SENTRY_FACE_DESCRIPTION},
    {"name": "Sentry: replays", "description": "Browse and search replays (Sentry's replay object)."},
    {
        "name": "Sentry: issues",
        "description": "Error events grouped into issues by fingerprint: the SDK's own `fingerprint` "
        "(posthog-js: `$exception_fingerprint`), else the in-app frames of the stack trace, else the "
        "exception's type and value, else the message. An issue's `id` is what `replay-count` takes as "
        "`issue.id`.",
    },
]


# ``recordings_api.middleware`` answers a 400 for a NUL in any query parameter under ``/api/``.
NO_NUL_PATTERN = "^[^\\u0000]*$"


def _nul_free(schema: dict[str, Any]) -> None:
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _nul_free(schema["items"])
    elif schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
        schema["pattern"] = NO_NUL_PATTERN


def sentry_query_strings_describe(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the Sentry face's free string query parameters take no
    NUL character (the middleware's 400), which their schemas say."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/0/"):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and isinstance(parameter.get("schema"), dict):
                    _nul_free(parameter["schema"])
    return result


def sentry_tags_describe(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: describes the Sentry face's tags."""
    tags = [tag for tag in result.get("tags", []) if tag.get("name") not in {t["name"] for t in SENTRY_TAGS}]
    result["tags"] = [*tags, *SENTRY_TAGS]
    return result

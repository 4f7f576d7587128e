"""OpenAPI pieces of the Sentry face: its error responses and path parameters."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

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

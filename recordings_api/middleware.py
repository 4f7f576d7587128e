"""Keeps HTML error pages and impossible input away from ``/api/``.

- An unhandled exception under ``/api/`` is a JSON 500 in the error shape (Sentry's under
  ``/api/0/``).
- A NUL character anywhere in an API path is a 404 and in its query string a 400, before any
  view runs: no identifier or filter can contain one, and PostgreSQL rejects them in text.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from recordings_api.errors import error_response
from recordings_api.sentry.errors import RESOURCE_NOT_FOUND, SENTRY_PREFIX, sentry_internal_error

logger = logging.getLogger(__name__)


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            rejection = _null_character_rejection(request)
            if rejection is not None:
                return rejection
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        if request.path.startswith(SENTRY_PREFIX):
            error_id = uuid.uuid4().hex
            logger.exception(
                "api_unhandled_exception",
                extra={"path": request.path, "method": request.method, "error_id": error_id},
            )
            return sentry_internal_error(error_id)
        logger.exception("api_unhandled_exception", extra={"path": request.path, "method": request.method})
        return error_response(
            status_code=500, type_="server_error", code="error", detail="A server error occurred."
        )


def _null_character_rejection(request: HttpRequest) -> HttpResponse | None:
    sentry = request.path.startswith(SENTRY_PREFIX)
    if "\x00" in request.path:
        if sentry:
            return JsonResponse({"detail": RESOURCE_NOT_FOUND}, status=404)
        return error_response(
            status_code=404, type_="invalid_request", code="not_found", detail="Endpoint not found."
        )
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            if sentry:
                return JsonResponse(
                    {name.replace("\x00", ""): ["Null characters are not allowed."]}, status=400
                )
            return error_response(
                status_code=400,
                type_="validation_error",
                code="null_characters_not_allowed",
                detail="Null characters are not allowed.",
                attr=name.replace("\x00", ""),
            )
    return None

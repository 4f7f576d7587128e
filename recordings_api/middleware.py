"""Keeps HTML error pages and impossible input away from ``/api/``.

- An unhandled exception under ``/api/`` is a JSON 500 in the error shape.
- A NUL character anywhere in an API path is a 404 and in its query string a 400, before any
  view runs: no identifier or filter can contain one, and PostgreSQL rejects them in text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from recordings_api.errors import error_response

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
        logger.exception("api_unhandled_exception", extra={"path": request.path, "method": request.method})
        return error_response(
            status_code=500, type_="server_error", code="error", detail="A server error occurred."
        )


def _null_character_rejection(request: HttpRequest) -> HttpResponse | None:
    if "\x00" in request.path:
        return error_response(
            status_code=404, type_="invalid_request", code="not_found", detail="Endpoint not found."
        )
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return error_response(
                status_code=400,
                type_="validation_error",
                code="null_characters_not_allowed",
                detail="Null characters are not allowed.",
                attr=name.replace("\x00", ""),
            )
    return None

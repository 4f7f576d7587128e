"""Keeps HTML error pages away from ``/api/``: an unhandled exception there is a JSON 500."""

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
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        logger.exception("api_unhandled_exception", extra={"path": request.path, "method": request.method})
        return error_response(
            status_code=500, type_="server_error", code="error", detail="A server error occurred."
        )

"""Sentry's error shape for everything under ``/api/0/`` (``/api/`` keeps PostHog's).

* a ``ValidationError`` with a dict detail is the dict itself, each field → its messages
  (``{"sort": ["…"]}``), as Sentry's validators answer; any other error is ``{"detail": "…"}``;
* 404 for an unknown (or invisible) organization or project: ``RESOURCE_NOT_FOUND``;
* 401/403/429/503 keep DRF's status and headers (``WWW-Authenticate``, ``Retry-After``);
* a dependency outage (Redis, the database) is a 503, as on the PostHog face (shared rules in
  ``recordings_api.errors``); an unhandled exception is a 500 ``{"detail": "Internal Error",
  "errorId": …}`` (``recordings_api.middleware``).

Views of the face use it through DRF's ``get_exception_handler`` override point
(``tenancy.SentryFaceMixin``); the rest of ``/api/`` keeps ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from recordings_api.errors import ServiceUnavailable, api_exception_normalize
from recordings_api.monitoring.requests import request_log_annotate

SENTRY_PREFIX = "/api/0/"
RESOURCE_NOT_FOUND = "The requested resource does not exist"
INTERNAL_ERROR = "Internal Error"


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for nested in value.values() for message in _messages(nested)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def sentry_error_body(exc: exceptions.APIException) -> dict[str, Any]:
    """The body of ``exc`` in Sentry's shape (module docstring)."""
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        return {str(field): _messages(value) for field, value in exc.detail.items()}
    messages = _messages(exc.detail)
    return {"detail": messages[0] if len(messages) == 1 else " ".join(messages)}


def sentry_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception hook for the Sentry face."""
    exc = api_exception_normalize(exc, not_found_detail=RESOURCE_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(exc.retry_after)
    response.data = sentry_error_body(exc)
    detail = response.data.get("detail") or "; ".join(f"{k}: {v[0]}" for k, v in response.data.items())
    codes = exc.get_codes()
    request_log_annotate(
        context.get("request"),
        error_code=codes if isinstance(codes, str) else exc.default_code,
        error_detail=detail,
    )
    return response


def sentry_internal_error(error_id: str) -> JsonResponse:
    """The 500 of the Sentry face; ``error_id`` is logged with the exception."""
    return JsonResponse({"detail": INTERNAL_ERROR, "errorId": error_id}, status=500)


@csrf_exempt
def sentry_endpoint_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all for unknown ``/api/0/`` paths (any method)."""
    return JsonResponse({"detail": RESOURCE_NOT_FOUND}, status=404)

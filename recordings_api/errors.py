"""PostHog's error shape for every API error: ``{"type", "code", "detail", "attr"}``.

``exception_handler`` is DRF's hook; ``ServiceUnavailable`` is what a domain raises when a
dependency (object storage, Redis) is down, so an outage is a 503, never empty data.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from recordings_api.monitoring.requests import request_log_annotate

logger = logging.getLogger(__name__)

_AUTHENTICATION = (exceptions.AuthenticationFailed, exceptions.NotAuthenticated, exceptions.PermissionDenied)
_INVALID_REQUEST = (
    exceptions.NotFound,
    exceptions.MethodNotAllowed,
    exceptions.ParseError,
    exceptions.NotAcceptable,
    exceptions.UnsupportedMediaType,
)


class ServiceUnavailable(exceptions.APIException):
    """A dependency is down or timed out; clients should retry after ``retry_after`` seconds."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request depends on is unavailable. Try again later."
    default_code = "service_unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this server accepts."
    default_code = "payload_too_large"


def error_body(*, type_: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": type_, "code": code, "detail": detail, "attr": attr}


def error_response(
    *, status_code: int, type_: str, code: str, detail: str, attr: str | None = None
) -> JsonResponse:
    """A JSON error outside DRF's pipeline (plain Django views, middleware)."""
    return JsonResponse(error_body(type_=type_, code=code, detail=detail, attr=attr), status=status_code)


def _error_type(exc: exceptions.APIException) -> str:
    if isinstance(exc, _AUTHENTICATION):
        return "authentication_error"
    if isinstance(exc, (*_INVALID_REQUEST, PayloadTooLarge)):
        return "invalid_request"
    if isinstance(exc, exceptions.Throttled):
        return "throttled_error"
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    return "server_error"


def _first_error(detail: Any, attr: str | None = None) -> tuple[str, str, str | None]:
    """The first (message, code, attr path) of a possibly nested DRF error detail."""
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()))
        nested_attr = None if key == "non_field_errors" else (f"{attr}__{key}" if attr else str(key))
        return _first_error(value, nested_attr)
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], attr)
    code = getattr(detail, "code", "invalid") or "invalid"
    return str(detail), code, attr


DEPENDENCY_DOWN = "A service this request depends on (database, cache) is unavailable. Try again shortly."


def api_exception_normalize(exc: Exception, *, not_found_detail: str | None = None) -> Exception:
    """The API exception ``exc`` stands for, on every face: a dependency outage is a 503, Django's
    404 / permission / body-size errors are DRF's. ``not_found_detail`` replaces Django's 404 text."""
    if isinstance(exc, RedisError | OperationalError):
        # The cache (throttle budgets), the broker or the database is down or timing out: a
        # dependency outage, answered as such rather than as a bug.
        logger.warning("dependency_error", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
        return ServiceUnavailable(DEPENDENCY_DOWN)
    if isinstance(exc, Http404):
        return exceptions.NotFound(not_found_detail or (str(exc) if str(exc) else None))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = api_exception_normalize(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        detail, code, attr = _first_error(exc.detail)
    else:
        codes = exc.get_codes()
        detail, code, attr = str(exc.detail), codes if isinstance(codes, str) else exc.default_code, None
    if code == "invalid":
        code = "invalid_input"
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(exc.retry_after)
        logger.warning("dependency_unavailable", extra={"detail": detail})
    response.data = error_body(type_=_error_type(exc), code=str(code), detail=detail, attr=attr)
    request_log_annotate(context.get("request"), error_code=str(code), error_detail=detail, error_attr=attr)
    return response


@csrf_exempt
def endpoint_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all for unknown ``/api/`` paths (any method: a write to nowhere is a 404 too)."""
    return error_response(
        status_code=404, type_="invalid_request", code="not_found", detail="Endpoint not found."
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the error shape under ``/api/``, Django's page elsewhere (admin)."""
    if request.path.startswith("/api/"):
        return error_response(
            status_code=403,
            type_="authentication_error",
            code="permission_denied",
            detail=f"CSRF Failed: {reason}" if reason else "CSRF Failed.",
        )
    return default_csrf_failure(request, reason=reason)

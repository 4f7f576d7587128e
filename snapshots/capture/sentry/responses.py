"""Responses of the Sentry ingest face (Relay's, reference §1.5, §1.6).

Success is ``200 {"id": event_id}`` (``{}`` without an envelope event id); errors are
``{"detail": reason}`` with Relay's status codes; every response carries CORS headers that let
the browser SDK, running on the customer's origin, read ``X-Sentry-Rate-Limits`` and
``Retry-After``. ``OPTIONS`` preflights (other SDKs send custom headers) get Relay's lists.
"""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse, JsonResponse

from recordings_api.monitoring.requests import request_log_annotate

EXPOSED_HEADERS = "x-sentry-error, x-sentry-rate-limits, retry-after"
ALLOWED_HEADERS = (
    "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, "
    "authentication, authorization, content-encoding, transfer-encoding"
)
PREFLIGHT_MAX_AGE_SECONDS = 3600


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = request.headers.get("Origin") or "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response["Vary"] = "Origin"
    return response


def sentry_ok(request: HttpRequest, event_id: str | None) -> HttpResponse:
    return _cors(request, JsonResponse({"id": event_id} if event_id else {}))


def sentry_error(request: HttpRequest, *, status: int, detail: str, code: str) -> HttpResponse:
    """``{"detail": …}``; ``code`` names the failure in the request's log line and metrics."""
    request_log_annotate(request, error_code=code, error_detail=detail)
    response = _cors(request, JsonResponse({"detail": detail}, status=status))
    response["X-Sentry-Error"] = "".join(ch if " " <= ch <= "~" else "?" for ch in detail[:200])
    return response


def sentry_preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=200)
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return _cors(request, response)


def sentry_throttled(request: HttpRequest, *, wait: float) -> HttpResponse:
    """429 for a project over its capture budget: every category limited for ``Retry-After``
    seconds (``X-Sentry-Rate-Limits``, reference §1.7), which the SDK honours until then."""
    seconds = max(1, math.ceil(wait))
    response = sentry_error(request, status=429, detail="project quota exceeded", code="throttled")
    response["Retry-After"] = str(seconds)
    response["X-Sentry-Rate-Limits"] = f"{seconds}::organization:quota_exceeded"
    return response

"""HTTP plumbing shared by the public posthog-js endpoints: CORS, JSON errors, capped body reads.

CORS: the SDK calls from the customer's origin, and never needs cookies (posthog-js sends no
credentials), so responses never allow credentials. ``CAPTURE_ALLOWED_ORIGINS`` (default ``*``,
any origin) lists the origins whose pages may send data: an allowed ``Origin`` is echoed (with
``Vary: Origin``), no Origin gets ``*``; with a list, any other origin gets no CORS header and
capture refuses it with 403 (``origin_refusal``), since a browser would deliver the POST
anyway and only hide the answer. ``OPTIONS`` preflights are answered 200 with the methods and
the requested headers.
"""

from __future__ import annotations

import math
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

from recordings_api.errors import error_response
from recordings_api.monitoring.requests import request_log_annotate
from snapshots.capture.decoding import BodyTooLarge

ALLOWED_METHODS = "GET, POST, OPTIONS"
_DEFAULT_ALLOWED_HEADERS = "Content-Type, Authorization, X-Requested-With"
PREFLIGHT_MAX_AGE_SECONDS = 86400
_R = TypeVar("_R", bound=HttpResponseBase)


def origin_allowed(origin: str) -> bool:
    allowed = settings.CAPTURE_ALLOWED_ORIGINS
    return "*" in allowed or origin.rstrip("/") in allowed


def with_cors(request: HttpRequest, response: _R) -> _R:
    origin = request.headers.get("Origin")
    if not origin:
        response["Access-Control-Allow-Origin"] = "*"
    elif origin_allowed(origin):
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def origin_refusal(request: HttpRequest) -> HttpResponse | None:
    """403 for a request from an origin ``CAPTURE_ALLOWED_ORIGINS`` does not list, else None."""
    origin = request.headers.get("Origin")
    if not origin or origin_allowed(origin):
        return None
    return json_error(
        request,
        status=403,
        type_="authentication_error",
        code="permission_denied",
        detail="This origin may not send data to this service (CAPTURE_ALLOWED_ORIGINS).",
    )


def cors_preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=200)
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = (
        request.headers.get("Access-Control-Request-Headers") or _DEFAULT_ALLOWED_HEADERS
    )
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return with_cors(request, response)


def read_only_method_check(request: HttpRequest) -> HttpResponse | None:
    """For GET-only public endpoints: the CORS preflight for OPTIONS, a 405 for writes, else None."""
    if request.method == "OPTIONS":
        return cors_preflight(request)
    if request.method not in ("GET", "HEAD"):
        return json_error(
            request, status=405, type_="invalid_request", code="method_not_allowed", detail="Use GET."
        )
    return None


def json_ok(request: HttpRequest, body: dict[str, object], *, status: int = 200) -> HttpResponse:
    return with_cors(request, JsonResponse(body, status=status))


def json_error(
    request: HttpRequest, *, status: int, type_: str, code: str, detail: str, attr: str | None = None
) -> HttpResponse:
    """The error shape with CORS headers; the code and detail also go to the request's log line."""
    request_log_annotate(request, error_code=code, error_detail=detail, error_attr=attr)
    return with_cors(
        request, error_response(status_code=status, type_=type_, code=code, detail=detail, attr=attr)
    )


def read_body_capped(request: HttpRequest, *, max_bytes: int) -> bytes:
    """The raw body, refusing more than ``max_bytes`` (by Content-Length, then by what was read).

    Reads the stream directly, so Django's form parsing never runs on capture bodies.
    """
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise BodyTooLarge
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise BodyTooLarge
    return body


def capture_throttled(request: HttpRequest, *, wait: float) -> HttpResponse:
    """429 for a token over its capture budget, in the shape posthog-js backs off from."""
    seconds = max(1, math.ceil(wait))
    response = with_cors(
        request,
        JsonResponse(
            {
                "type": "throttled_error",
                "code": "throttled",
                "detail": f"Request was throttled. Expected available in {seconds} seconds.",
                "attr": None,
                "quota_limited": ["recordings", "events"],
            },
            status=429,
        ),
    )
    response["Retry-After"] = str(seconds)
    return response


def payload_too_large(request: HttpRequest, *, max_bytes: int, detail: str | None = None) -> HttpResponse:
    return json_error(
        request,
        status=413,
        type_="invalid_request",
        code="payload_too_large",
        detail=detail or f"The request body is larger than {max_bytes} bytes (compressed or decompressed).",
    )

"""A request id and one log line per request.

``RequestObservabilityMiddleware`` (first in ``MIDDLEWARE``):

- takes the id from ``X-Request-ID`` when it is 1 to 128 characters of ``[A-Za-z0-9._:-]`` (what a
  proxy or load balancer generates), else makes one (32 hex digits); every log record emitted
  while the request is handled carries it as ``request_id``, and the response returns it in
  ``X-Request-ID``;
- logs one ``request`` line when the response is ready: method, path, route, status,
  ``duration_ms`` (to the first byte for streamed responses), user id, and whatever the view
  added with ``request_log_annotate`` (``environment_id``, ``error_code``, ``error_detail``…).
  4xx are INFO (the client's mistake, said once here, not again by Django), 5xx ERROR;
  ``/_health``, ``/_readyz`` and ``/metrics`` answering 200 are DEBUG (probes run every few
  seconds);
- observes ``http_request_duration_seconds`` by route name.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from recordings_api.monitoring.logs import request_id_var
from recordings_api.monitoring.metrics import HTTP_REQUEST_DURATION

logger = logging.getLogger("recordings_api.requests")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_PROBE_PATHS = frozenset({"/_health", "/_readyz", "/metrics"})
_ANNOTATIONS = "_request_log_fields"


def request_log_annotate(request: Any, **fields: object) -> None:
    """Add fields to the request's log line (``request`` may be Django's or DRF's request)."""
    django_request = getattr(request, "_request", request)
    annotations: dict[str, object] | None = getattr(django_request, _ANNOTATIONS, None)
    if annotations is None:
        annotations = {}
        setattr(django_request, _ANNOTATIONS, annotations)
    annotations.update(fields)


def request_log_fields(request: HttpRequest) -> dict[str, object]:
    """What views added with ``request_log_annotate`` (a copy)."""
    return dict(getattr(request, _ANNOTATIONS, None) or {})


def _request_id(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return request.path if request.path in _PROBE_PATHS else "unmatched"
    return str(match.view_name or match.route or "unnamed")


def _user_id(request: HttpRequest) -> object:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = _request_id(request)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._observe(request, response, time.perf_counter() - started)
            return response
        finally:
            request_id_var.reset(token)

    def _observe(self, request: HttpRequest, response: HttpResponseBase, seconds: float) -> None:
        route, status = _route(request), response.status_code
        HTTP_REQUEST_DURATION.labels(route=route, method=request.method, status=str(status)).observe(seconds)
        if status >= 500:
            level = logging.ERROR
        elif status == 200 and request.path in _PROBE_PATHS:
            level = logging.DEBUG
        else:
            level = logging.INFO
        fields = {
            "method": request.method,
            "path": request.path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": _user_id(request),
            **request_log_fields(request),
        }
        logger.log(level, "request", extra=fields)

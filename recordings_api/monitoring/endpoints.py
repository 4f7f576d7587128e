"""Probe and scrape endpoints, answered before host validation and the HTTPS redirect.

``/_health``, ``/_readyz`` and ``/metrics`` are called by the container runtime, a load balancer
or Prometheus with whatever ``Host`` they use to reach the process (``127.0.0.1:8000``,
``web:8000``), over plain HTTP inside the network. ``ProbeEndpointsMiddleware`` (right after the
request-id middleware, before ``SecurityMiddleware``) answers them itself, so they work with any
``ALLOWED_HOSTS`` and ``SECURE_SSL_REDIRECT``; their answers never contain the host.

``/metrics`` access: with ``METRICS_TOKEN`` set, only ``Authorization: Bearer <METRICS_TOKEN>``
(401 otherwise); without it, open when ``DEBUG`` is on (``make run``) and a 404 in production.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from recordings_api.errors import error_response
from recordings_api.health import health, readiness
from recordings_api.monitoring.metrics import metrics_exposition


def _metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    token = settings.METRICS_TOKEN
    if not token:
        if settings.DEBUG:
            return None
        return error_response(
            status_code=404, type_="invalid_request", code="not_found", detail="Endpoint not found."
        )
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
        return None
    response = error_response(
        status_code=401,
        type_="authentication_error",
        code="not_authenticated",
        detail="Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    refusal = _metrics_refusal(request)
    if refusal is not None:
        return refusal
    response = HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


PROBE_VIEWS: dict[str, Callable[[HttpRequest], HttpResponseBase]] = {
    "/_health": health,
    "/_readyz": readiness,
    "/metrics": metrics,
}


class ProbeEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        view = PROBE_VIEWS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)

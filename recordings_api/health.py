"""Liveness (``/_health``) and readiness (``/_readyz``) endpoints.

Domain apps add readiness checks with ``readiness_check_register`` (snapshots registers the live
buffer and object storage). A check returns normally when its dependency is reachable and
raises otherwise; ``/_readyz`` answers 503 naming every failing check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

ReadinessCheck = Callable[[], None]
_CHECKS: dict[str, ReadinessCheck] = {}


def readiness_check_register(name: str, check: ReadinessCheck) -> None:
    _CHECKS[name] = check


def _database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


readiness_check_register("database", _database_check)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readiness(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in _CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # any failure means "not ready"; the reason is reported
            logger.warning("readiness_check_failed", extra={"check": name, "error": str(error)})
            results[name] = f"error: {type(error).__name__}: {error}"[:300]
    failed = sorted(name for name, result in results.items() if result != "ok")
    return JsonResponse(
        {"status": "ok" if not failed else "unavailable", "checks": results, "failed": failed},
        status=503 if failed else 200,
    )

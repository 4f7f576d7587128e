"""Liveness (``/_health``) and readiness (``/_readyz``) endpoints.

Domain apps add readiness checks with ``readiness_check_register`` (snapshots registers the live
buffer and object storage). A check returns normally when its dependency is reachable and
raises otherwise.

``/_readyz`` runs every check at once, each in a thread of its own, and waits for them at most
``READINESS_TIMEOUT_SECONDS`` (2 s) in all: a check still running then counts as failed, so a
stalled dependency (object storage retrying for tens of seconds) cannot hold the probe. It
answers 200 when every check passed, else 503. The body says which checks failed and nothing
more (``{"status", "checks": {name: "ok" | "failed"}, "failed"}``); the reasons, which name
internal hosts, buckets and exception texts, are added as ``errors`` only in DEBUG or for a
caller presenting ``READINESS_TOKEN`` (``Authorization: Bearer <token>``).
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

ReadinessCheck = Callable[[], None]
_CHECKS: dict[str, ReadinessCheck] = {}


def readiness_check_register(name: str, check: ReadinessCheck) -> None:
    _CHECKS[name] = check


def _database_check() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # the check runs in a thread of its own: leave no connection behind


readiness_check_register("database", _database_check)


class _CheckRun(threading.Thread):
    def __init__(self, name: str, check: ReadinessCheck) -> None:
        super().__init__(name=f"readiness-{name}", daemon=True)
        self.check = check
        self.error: str | None = None

    def run(self) -> None:
        try:
            self.check()
        except Exception as error:  # any failure means "not ready"; the reason is reported
            self.error = f"{type(error).__name__}: {error}"[:300]


def readiness_checks_run(timeout_seconds: float) -> dict[str, str | None]:
    """Every check's error (None when it passed), all run at once within ``timeout_seconds``."""
    runs = {name: _CheckRun(name, check) for name, check in _CHECKS.items()}
    for run in runs.values():
        run.start()
    deadline = time.monotonic() + timeout_seconds
    for run in runs.values():
        run.join(max(deadline - time.monotonic(), 0))
    return {
        name: (f"timed out after {timeout_seconds:g} s" if run.is_alive() else run.error)
        for name, run in runs.items()
    }


def _may_see_reasons(request: HttpRequest) -> bool:
    if settings.DEBUG:
        return True
    token = settings.READINESS_TOKEN
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(presented.encode(), str(token).encode())


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readiness(request: HttpRequest) -> JsonResponse:
    errors = readiness_checks_run(float(settings.READINESS_TIMEOUT_SECONDS))
    failed = sorted(name for name, error in errors.items() if error is not None)
    for name in failed:
        logger.warning("readiness_check_failed", extra={"check": name, "error": errors[name]})
    body: dict[str, object] = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: "failed" if error else "ok" for name, error in errors.items()},
        "failed": failed,
    }
    if failed and _may_see_reasons(request):
        body["errors"] = {name: errors[name] for name in failed}
    return JsonResponse(body, status=503 if failed else 200)

"""The password step of a password-protected share (``/shared/{token}``, ``/embedded/{token}``).

``GET`` without a valid share session shows a password form (``.json``: 401). ``POST`` with
``password`` (JSON, as PostHog's front end sends it, or the form's field) answers PostHog's
``{"shareToken": <share session token>}``; a form post gets the playing page itself (so it
works inside third-party iframes, where cookies may be blocked). Both set the HttpOnly cookie
``posthog_sharing_token`` scoped to the share's path, which later visits reuse. A wrong
password is 401 ``{"error": "Incorrect password"}``; attempts per share are limited
(``API_THROTTLE_RATES["share_password"]``, 429 beyond).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from recordings_api.errors import error_body
from sharing.passwords import SHARE_SESSION_SECONDS, share_session_open
from sharing.selectors import SharedRecording
from sharing.throttles import SharePasswordRateThrottle

SESSION_COOKIE = "posthog_sharing_token"
PASSWORD_MAX_LENGTH = 256


def password_form(
    request: HttpRequest, *, as_json: bool, error: str | None = None, status: int = 200
) -> HttpResponse:
    if as_json:
        detail = "This shared recording is password protected: POST the password to this page first."
        body = {
            **error_body(type_="authentication_error", code="password_required", detail=detail),
            "error": detail,
        }
        return JsonResponse(body, status=401)
    return render(request, "sharing/password.html", {"error": error}, status=status)


def _posted_password(request: HttpRequest) -> tuple[str | None, bool]:
    """The password posted and whether it came as JSON."""
    if (request.content_type or "").endswith("json"):
        try:
            body = orjson.loads(request.body or b"{}")
        except orjson.JSONDecodeError:
            return None, True
        value: Any = body.get("password") if isinstance(body, dict) else None
        return (value if isinstance(value, str) else None), True
    return request.POST.get("password"), False


def password_submit(
    request: HttpRequest, *, shared: SharedRecording, player: Callable[[str], HttpResponse]
) -> HttpResponse:
    """Check the posted password; ``player(session_token)`` renders the page for a form post."""
    password, as_json = _posted_password(request)
    if not shared.configuration.password_required:
        detail = "This shared recording is not password protected."
        body = error_body(type_="invalid_request", code="not_password_protected", detail=detail)
        return JsonResponse(body, status=400)
    throttle = SharePasswordRateThrottle()
    if not throttle.allow_grant(shared.grant()):
        return _too_many_attempts(max(1, int(throttle.wait() or 1)))
    usable = password is not None and 0 < len(password) <= PASSWORD_MAX_LENGTH
    session = share_session_open(shared=shared, password=password) if usable and password else None
    if session is None:
        if as_json:
            return JsonResponse({"error": "Incorrect password"}, status=401)
        return password_form(request, as_json=False, error="Incorrect password", status=401)
    response: HttpResponse = JsonResponse({"shareToken": session}) if as_json else player(session)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=SHARE_SESSION_SECONDS,
        path=request.path.removesuffix("/"),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def _too_many_attempts(wait: int) -> HttpResponse:
    detail = f"Too many password attempts for this shared recording. Expected available in {wait} seconds."
    response = JsonResponse(error_body(type_="throttled_error", code="throttled", detail=detail), status=429)
    response["Retry-After"] = str(wait)
    return response

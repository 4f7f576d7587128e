"""Replay pages: public ``/shared/{token}``, ``/embedded/{token}`` (and their ``.json``), and the
staff-only ``/watch/{environment_id}/{session_id}`` the recordings admin links to.

The page holds no recording data: it carries the token and the reduced recording shape, and
its scripts (``static/sharing/replay*.js``) fetch snapshots through the API's two-phase
protocol with the token as ``Authorization: Bearer``, so revoking the token stops a page that
is already open. A password-protected share first shows a password form; the password (posted
to the same URL, ``sharing.password_pages``) opens a share session kept in an HttpOnly cookie,
and the page then uses that session token instead. Neither variant exposes person data.
``/embedded/`` may be framed by any site; ``/shared/`` may not. Every response is ``no-store``
(revocation must take effect at once) and ``no-referrer`` (the token is in the URL).

The staff page is the same page and player without a token: its scripts fetch the snapshots
with the admin session (the API's own authentication and membership rule apply; no sharing
configuration or token is created). It requires a staff login (else the admin login page).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from recordings.models import SessionRecording
from recordings.selectors import session_recording_find
from recordings_api.errors import error_body
from recordings_api.models import Environment
from sharing.assets import asset_version
from sharing.password_pages import SESSION_COOKIE, password_form, password_submit
from sharing.passwords import shared_recording_for_session
from sharing.selectors import SharedRecording, shared_recording_for_token
from sharing.throttles import SharingTokenRateThrottle

# Display flags honoured from the configuration's settings (PostHog's names).
DISPLAY_FLAGS = ("noHeader", "whitelabel")


def _recording_page_data(recording: SessionRecording, *, type_: str, token: str | None) -> dict[str, Any]:
    snapshots_path = (
        f"/api/environments/{recording.environment_id}/session_recordings/{recording.session_id}/snapshots"
    )
    return {
        "type": type_,
        "accessToken": token,
        "environmentId": recording.environment_id,
        "recording": {
            "id": recording.session_id,
            "recording_duration": recording.duration_seconds,
            "start_time": _iso(recording.start_time),
            "end_time": _iso(recording.end_time),
        },
        "snapshotsUrl": snapshots_path,
    }


def shared_page_data(*, shared: SharedRecording, token: str, embedded: bool) -> dict[str, Any]:
    """The ``exported_data`` object of the page (also served as ``.json``); ``accessToken`` is
    what the page's scripts authenticate with (the share session token when password-protected)."""
    settings = shared.configuration.settings or {}
    data = _recording_page_data(shared.recording, type_="embed" if embedded else "scene", token=token)
    for flag in DISPLAY_FLAGS:
        if flag in settings:
            data[flag] = bool(settings[flag])
    return data


# Tokens in paths are public URLs: the password form posts without a CSRF cookie (like API
# clients posting {"password": …}); what it can obtain is a view of this one recording.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def shared_recording_page(request: HttpRequest, token: str, extension: str | None = None) -> HttpResponse:
    return _page(request, token=token, as_json=bool(extension), embedded=False)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@xframe_options_exempt
def embedded_recording_page(request: HttpRequest, token: str, extension: str | None = None) -> HttpResponse:
    return _page(request, token=token, as_json=bool(extension), embedded=True)


def _page(request: HttpRequest, *, token: str, as_json: bool, embedded: bool) -> HttpResponse:
    shared = shared_recording_for_token(token=token)
    if shared is None:
        response = _not_found(request, as_json=as_json)
    elif (wait := _seconds_until_allowed(shared)) is not None:
        response = _throttled(request, as_json=as_json, wait=wait)
    elif request.method == "POST":
        response = password_submit(
            request,
            shared=shared,
            player=lambda session: _player(
                request, shared=shared, token=session, as_json=False, embedded=embedded
            ),
        )
    elif shared.configuration.password_required:
        session = _session(request, shared)
        response = (
            _player(request, shared=shared, token=session, as_json=as_json, embedded=embedded)
            if session is not None
            else password_form(request, as_json=as_json)
        )
    else:
        response = _player(request, shared=shared, token=token, as_json=as_json, embedded=embedded)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Security-Policy"] = "frame-ancestors *" if embedded else "frame-ancestors 'none'"
    return response


def _session(request: HttpRequest, shared: SharedRecording) -> str | None:
    """The request's share session token if it opens this share."""
    session = request.COOKIES.get(SESSION_COOKIE)
    opened = shared_recording_for_session(token=session) if session else None
    return session if opened is not None and opened.configuration.pk == shared.configuration.pk else None


def _player(
    request: HttpRequest, *, shared: SharedRecording, token: str, as_json: bool, embedded: bool
) -> HttpResponse:
    data = shared_page_data(shared=shared, token=token, embedded=embedded)
    if as_json:
        return JsonResponse(data)
    context = {
        "exported_data": data,
        "embedded": embedded,
        "asset_version": asset_version(),
        "header": _header_labels(shared),
    }
    return render(request, "sharing/replay.html", context)


@require_safe
@staff_member_required
def staff_recording_page(request: HttpRequest, environment_id: int, session_id: str) -> HttpResponse:
    """The admin's **Watch**: the share page's player, fed through the staff session."""
    environment = Environment.objects.filter(id=environment_id).first()
    recording = (
        session_recording_find(environment=environment, session_id=session_id) if environment else None
    )
    if recording is None:
        message = "This recording does not exist, was deleted or is past its retention."
        response = render(request, "sharing/not_found.html", {"message": message}, status=404)
    else:
        context = {
            "exported_data": _recording_page_data(recording, type_="staff", token=None),
            "embedded": False,
            "asset_version": asset_version(),
            "header": _header_labels_of(recording),
            "admin_url": reverse("admin:recordings_sessionrecording_change", args=[recording.pk]),
        }
        response = render(request, "sharing/replay.html", context)
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


def _seconds_until_allowed(shared: SharedRecording) -> int | None:
    """None when the token is within its budget (the page counts against it like the API)."""
    throttle = SharingTokenRateThrottle()
    if throttle.allow_grant(shared.grant()):
        return None
    return max(1, int(throttle.wait() or 1))


def _not_found(request: HttpRequest, *, as_json: bool) -> HttpResponse:
    if as_json:
        detail = "This shared recording does not exist."
        return JsonResponse(error_body(type_="invalid_request", code="not_found", detail=detail), status=404)
    return render(request, "sharing/not_found.html", status=404)


def _throttled(request: HttpRequest, *, as_json: bool, wait: int) -> HttpResponse:
    detail = f"Too many requests for this shared recording. Expected available in {wait} seconds."
    if as_json:
        response: HttpResponse = JsonResponse(
            error_body(type_="throttled_error", code="throttled", detail=detail), status=429
        )
    else:
        response = render(request, "sharing/not_found.html", {"message": detail}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _header_labels(shared: SharedRecording) -> dict[str, str]:
    return _header_labels_of(shared.recording)


def _header_labels_of(recording: SessionRecording) -> dict[str, str]:
    """Human labels of the page header; the page script re-renders the start in the viewer's zone."""
    started = recording.start_time.astimezone(UTC)
    return {
        "started": f"{started.day} {started:%b %Y, %H:%M} UTC",
        "duration": duration_label(recording.duration_seconds),
    }


def duration_label(seconds: int | float | None) -> str:
    """``m:ss`` or ``h:mm:ss``, like a media player (``0:06``, ``12:30``, ``1:02:03``)."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _iso(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")

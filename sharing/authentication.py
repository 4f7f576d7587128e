"""Sharing credentials (first on viewsets with grant-enabled actions), PostHog's three forms:

- ``?sharing_access_token=<token>`` (its public player's requests);
- ``Authorization: Bearer <token>`` (what PostHog's player sends); a Bearer value that is not a
  sharing token (a personal API key, ``phx_…``) is left to the next authenticator;
- ``Authorization: Bearer <share session token>`` (a JWT from a password-protected share,
  ``sharing.passwords``), for reads only.

A plain token of a password-protected share opens nothing. Unknown, disabled, rotated-out-past-
grace tokens, revoked sessions and deleted recordings: 401 ``authentication_failed`` "Sharing
access token is invalid.", counted against the client address's failed-authentication budget
(429 once it is spent, before any lookup). Valid: ``(AnonymousUser(), SharingGrant)``; the core
permission then asks the grant whether the action, method and recording are allowed (403
otherwise).

Over the token's budget (``API_THROTTLE_RATES["sharing_token"]``): 429. The check lives here
rather than in ``throttle_classes`` because the viewsets that accept tokens belong to other
apps and list only the per-key throttles; doing it at authentication makes the budget apply to
every grant request, whichever viewset serves it.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from recordings_api.throttles import authentication_failure_record, authentication_failures_check
from sharing.grants import READ_METHODS, SharingGrant
from sharing.passwords import shared_recording_for_session
from sharing.selectors import TOKEN_PATTERN, SharedRecording, shared_recording_for_token
from sharing.throttles import SharingTokenRateThrottle

TOKEN_QUERY_PARAMETER = "sharing_access_token"
INVALID = "Sharing access token is invalid."
_BEARER = re.compile(r"^Bearer\s+(\S+)\s*$", re.IGNORECASE)
_SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _bearer(request: Request) -> str | None:
    match = _BEARER.match(request.META.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


class SharingAccessTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AnonymousUser, SharingGrant] | None:
        shared = self._shared(request)
        if shared is None:
            return None
        grant = shared.grant()
        throttle = SharingTokenRateThrottle()
        if not throttle.allow_grant(grant):
            raise Throttled(wait=throttle.wait())
        return AnonymousUser(), grant

    def _shared(self, request: Request) -> SharedRecording | None:
        """What the request's sharing credential opens; None when it carries none (401 when it
        carries one that opens nothing)."""
        token = request.query_params.get(TOKEN_QUERY_PARAMETER)
        if token is not None:
            return _by_token(request, token)
        bearer = _bearer(request)
        if bearer is None or bearer.lower().startswith("ph"):
            return None
        if _SESSION_TOKEN.fullmatch(bearer):
            authentication_failures_check(request)
            shared = shared_recording_for_session(token=bearer) if request.method in READ_METHODS else None
            return shared if shared is not None else _invalid(request)
        return _by_token(request, bearer) if TOKEN_PATTERN.fullmatch(bearer) else None

    def authenticate_header(self, request: Any) -> str:
        # DRF takes WWW-Authenticate from the first authenticator, and this one comes first on
        # grant-enabled viewsets: advertise the personal-key scheme, so that requests without
        # credentials get the same 401 + "Bearer" as on every other viewset.
        return "Bearer"


def _invalid(request: Request) -> NoReturn:
    """A credential that opens nothing counts against the client address's failure budget."""
    authentication_failure_record(request)
    raise AuthenticationFailed(INVALID)


def _by_token(request: Request, token: str) -> SharedRecording:
    authentication_failures_check(request)  # 429 before any lookup once the budget is spent
    shared = shared_recording_for_token(token=token)
    if shared is None or shared.configuration.password_required:
        _invalid(request)
    return shared

"""``?sharing_access_token=`` authentication (first on viewsets with grant-enabled actions).

- No ``sharing_access_token`` query parameter: not ours (None), the next authenticator runs.
- Unknown, disabled, rotated-out-past-grace token, or a deleted recording: 401
  ``authentication_failed`` "Sharing access token is invalid.", counted against the client
  address's failed-authentication budget (429 once it is spent, before any lookup).
- Valid: ``(AnonymousUser(), SharingGrant)``; the core permission then asks the grant whether
  the action, method and recording are allowed (403 otherwise).
- Over the token's budget (``API_THROTTLE_RATES["sharing_token"]``): 429. The check lives here
  rather than in ``throttle_classes`` because the viewsets that accept tokens belong to other
  apps and list only the per-key throttles; doing it at authentication makes the budget apply to
  every grant request, whichever viewset serves it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from recordings_api.throttles import authentication_failure_record, authentication_failures_check
from sharing.grants import SharingGrant
from sharing.selectors import shared_recording_for_token
from sharing.throttles import SharingTokenRateThrottle

TOKEN_QUERY_PARAMETER = "sharing_access_token"


class SharingAccessTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AnonymousUser, SharingGrant] | None:
        token = request.query_params.get(TOKEN_QUERY_PARAMETER)
        if token is None:
            return None
        authentication_failures_check(request)
        shared = shared_recording_for_token(token=token)
        if shared is None:
            authentication_failure_record(request)
            raise AuthenticationFailed("Sharing access token is invalid.")
        grant = shared.grant()
        throttle = SharingTokenRateThrottle()
        if not throttle.allow_grant(grant):
            raise Throttled(wait=throttle.wait())
        return AnonymousUser(), grant

    def authenticate_header(self, request: Any) -> str:
        # DRF takes WWW-Authenticate from the first authenticator, and this one comes first on
        # grant-enabled viewsets: advertise the personal-key scheme, so that requests without
        # credentials get the same 401 + "Bearer" as on every other viewset.
        return "Bearer"

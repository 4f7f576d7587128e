"""The per-token budgets of sharing tokens: requests (``API_THROTTLE_RATES["sharing_token"]``)
and password attempts on a protected share (``API_THROTTLE_RATES["share_password"]``).

Requests made with a sharing token carry no personal API key, so the core's per-key throttles
never count them; this one counts them per token (a rotated token gets a fresh budget), keyed
by the token's digest. Counted atomically, like the core's (``recordings_api.budgets``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recordings_api.throttles import AtomicRateThrottle
from sharing.grants import SharingGrant


@dataclass(frozen=True)
class _GrantHolder:
    """Stands in for a request whose ``auth`` is not attached yet (during authentication)."""

    auth: SharingGrant


class SharingTokenRateThrottle(AtomicRateThrottle):
    scopes = ("sharing_token",)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        grant = getattr(request, "auth", None)
        if not isinstance(grant, SharingGrant):
            return None
        return grant.token_digest

    def allow_grant(self, grant: SharingGrant) -> bool:
        """``allow_request`` for a grant being authenticated; ``wait()`` is valid afterwards."""
        return self.allow_request(_GrantHolder(grant), None)


class SharePasswordRateThrottle(SharingTokenRateThrottle):
    """Password attempts per share (``API_THROTTLE_RATES["share_password"]``), whoever makes them:
    guessing a share's password is bounded however many addresses an attacker has."""

    scopes = ("share_password",)

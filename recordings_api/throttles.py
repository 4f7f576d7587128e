"""Throttles with settings-driven budgets (``API_THROTTLE_RATES``), counted atomically.

- Per personal API key (``burst``, ``sustained``, and the lower ``snapshots_*`` budgets): only
  requests authenticated by a key are counted, keyed by the key's id; session traffic (staff) is
  not limited.
- Failed authentication per client address (``auth_failures``): every invalid credential
  (personal key, sharing token) counts, and once the budget is spent, credentials from that
  address are refused with 429 before they are even looked up, so keys cannot be guessed
  faster than the budget. The address is ``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT`` set,
  the one the last trusted proxy appended to ``X-Forwarded-For``.

Counters are ``recordings_api.budgets`` windows (Redis in production, shared by every web
process); a budget of N lets at most N requests through however many arrive at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from recordings_api.budgets import (
    Marker,
    budget_consume,
    budget_exhausted,
    budgets_consume,
    marker_read,
    rate_parse,
)
from recordings_api.models import PersonalAPIKey

AUTH_FAILURES_SCOPE = "auth_failures"


class AtomicRateThrottle(BaseThrottle):
    """A DRF throttle over atomic budgets, all spent in one call (one Redis round trip):
    subclasses name their ``scopes`` (each a rate of ``API_THROTTLE_RATES``) and the key."""

    scopes: tuple[str, ...]

    def __init__(self) -> None:
        self._wait: float | None = None

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        key = self.get_cache_key(request, view)
        rates = [(scope, settings.API_THROTTLE_RATES.get(scope)) for scope in self.scopes]
        budgets = [
            (f"throttle_{scope}_{key}", rate_parse(rate)) for scope, rate in rates if rate and key is not None
        ]
        self._wait = budgets_consume(budgets)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class PersonalAPIKeyRateThrottle(AtomicRateThrottle):
    """Requests authenticated by a personal API key, per key: a burst and a sustained window."""

    scopes = ("burst", "sustained")

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, PersonalAPIKey):
            return None
        return str(request.auth.pk)


class SnapshotsRateThrottle(PersonalAPIKeyRateThrottle):
    """The snapshots endpoints' own (lower) per-key windows."""

    scopes = ("snapshots_burst", "snapshots_sustained")


DEFAULT_THROTTLES = [PersonalAPIKeyRateThrottle]
SNAPSHOT_THROTTLES = [SnapshotsRateThrottle]


def client_address(request: Any) -> str:
    """The client's address, trusting ``TRUSTED_PROXY_COUNT`` proxies (DRF's ``NUM_PROXIES``)."""
    return str(BaseThrottle().get_ident(request))


def _auth_failure_budget_key(request: Any) -> str:
    return f"throttle_{AUTH_FAILURES_SCOPE}_{client_address(request)}"


def authentication_failures_check(request: Any, *, marker: Marker | None = None) -> str | None:
    """429 when this address has spent its failed-authentication budget (nothing is counted).
    Returns the value of ``marker`` read in the same round trip (``budgets.budget_exhausted``)."""
    rate = settings.API_THROTTLE_RATES.get(AUTH_FAILURES_SCOPE)
    if not rate:
        return marker_read(marker) if marker is not None else None
    wait, value = budget_exhausted(
        key=_auth_failure_budget_key(request), rate=rate_parse(rate), marker=marker
    )
    if wait is not None:
        raise Throttled(wait=wait)
    return value


def authentication_failure_record(request: Any) -> None:
    """Count one invalid credential from this address."""
    rate = settings.API_THROTTLE_RATES.get(AUTH_FAILURES_SCOPE)
    if rate:
        budget_consume(key=_auth_failure_budget_key(request), rate=rate_parse(rate))

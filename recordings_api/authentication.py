"""Personal API key authentication.

The key is read from, in order: ``Authorization: Bearer <key>``, the ``personal_api_key`` body
field, the ``personal_api_key`` query parameter; the first candidate wins. A candidate that does
not match an active user's key is a 401 naming where it was found; so is a revoked or expired
key (saying which). Each such failure counts against the client address's failed-authentication
budget; once that is spent, candidates from the address are a 429 without being looked up
(``recordings_api.throttles``). Only hashes are compared. A found key is kept in the access
cache (``recordings_api.access_cache``), which a change to any key, user or membership
invalidates everywhere; revocation and expiry are checked on every request.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from recordings_api.access_cache import ACCESS_GENERATION, access_cached, access_store, request_generation_set
from recordings_api.models import PersonalAPIKey, User
from recordings_api.models.personal_api_keys import hash_personal_api_key
from recordings_api.throttles import authentication_failure_record, authentication_failures_check

_BEARER = re.compile(r"^Bearer\s+(\S.+)$", re.IGNORECASE)
_SOURCE_NAMES = {"header": "Authorization header", "body": "request body", "query": "query string"}


def _pop_body_key(request: Request) -> str | None:
    """Take ``personal_api_key`` out of a JSON body: it is a credential, not input, so endpoints
    that validate their body strictly never see it."""
    if not (request.content_type and "json" in request.content_type):
        return None
    data = request.data
    if not isinstance(data, dict) or "personal_api_key" not in data:
        return None
    value = data.pop("personal_api_key")
    return value if isinstance(value, str) else None


def personal_api_key_candidate(request: Request) -> tuple[str, str] | None:
    """The first key candidate and where it came from (``header``, ``body`` or ``query``)."""
    body_key = _pop_body_key(request)
    match = _BEARER.match(request.META.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1).strip(), "header"
    if body_key:
        return body_key, "body"
    query_value = request.query_params.get("personal_api_key")
    if query_value:
        return query_value, "query"
    return None


def personal_api_key_find(plaintext: str, *, generation: str | None = None) -> PersonalAPIKey | None:
    """The active user's key whose hash matches ``plaintext``, or None; from the access cache
    when it holds the key under ``generation`` (``recordings_api.access_cache``)."""
    secure_value = hash_personal_api_key(plaintext)
    cached = access_cached(("personal_api_key", secure_value), generation=generation, model=PersonalAPIKey)
    if cached is not None:
        return cached
    key = (
        PersonalAPIKey.objects.select_related("user")
        .filter(secure_value=secure_value, user__is_active=True)
        .first()
    )
    if key is not None:
        access_store(("personal_api_key", secure_value), key, generation=generation)
    return key


def personal_api_key_touch(key: PersonalAPIKey) -> bool:
    """Record use at most once per resolution window (an hour) to keep reads write-free.
    Returns whether it wrote."""
    now = timezone.now()
    resolution = timedelta(seconds=settings.PERSONAL_API_KEY_LAST_USED_RESOLUTION_SECONDS)
    if key.last_used_at is None or now - key.last_used_at >= resolution:
        PersonalAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        return True
    return False


class PersonalAPIKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, PersonalAPIKey] | None:
        candidate = personal_api_key_candidate(request)
        if candidate is None:
            return None
        plaintext, source = candidate
        generation = authentication_failures_check(request, marker=ACCESS_GENERATION)
        request_generation_set(request, generation)
        key = personal_api_key_find(plaintext, generation=generation)
        if key is None:
            authentication_failure_record(request)
            raise AuthenticationFailed(
                f"Personal API key found in request {_SOURCE_NAMES[source]} is invalid."
            )
        status = key.status()
        if status != "active":
            state = "been revoked" if status == "revoked" else "expired"
            where = _SOURCE_NAMES[source]
            raise AuthenticationFailed(f"Personal API key found in request {where} has {state}.")
        if personal_api_key_touch(key):
            access_store(("personal_api_key", key.secure_value), key, generation=generation)
        return key.user, key

    def authenticate_header(self, request: Any) -> str:
        return self.keyword

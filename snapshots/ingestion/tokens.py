"""Project token → environment id, from a per-process cache: no database query per capture.

Entries live ``POSITIVE_TTL_SECONDS`` (unknown tokens ``NEGATIVE_TTL_SECONDS``, so a flood of bad
tokens costs one query per token and interval, not per request). Saving or deleting any
environment bumps a *generation* number in the shared cache; every process compares its own with
it at most every ``GENERATION_CHECK_SECONDS`` and drops its entries when it moved, so a rotated
token, a new environment or a deleted one is seen everywhere within that delay (and at once in
the process that made the change). A deleted environment's late data is dropped downstream
anyway (aggregation and flush check that the environment exists). Sentry client keys
(``snapshots.capture.sentry.keys``) are cached the same way, under the same generation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.cache import cache

from recordings_api.coordination import coordination_key
from recordings_api.models import Environment

logger = logging.getLogger(__name__)
POSITIVE_TTL_SECONDS = 300.0
NEGATIVE_TTL_SECONDS = 10.0
GENERATION_CHECK_SECONDS = 1.0
_Value = TypeVar("_Value")


class KeyCache(Generic[_Value]):
    """``key → load(key)`` per process (None = unknown), invalidated by the token generation."""

    def __init__(self, load: Callable[[str], _Value | None]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[_Value | None, float]] = {}
        self._generation: Any = None
        self._checked_at = 0.0

    def _check_generation(self, now: float) -> None:
        if now - self._checked_at < GENERATION_CHECK_SECONDS:
            return
        try:
            generation = cache.get(coordination_key("token-generation"))
        except Exception as error:  # cache down: keep what we have, try again next interval
            logger.warning("token_generation_check_failed", extra={"error": str(error)})
            self._checked_at = now
            return
        with self._lock:
            self._checked_at = now
            if generation != self._generation:
                self._generation = generation
                self._entries.clear()

    def lookup(self, token: str) -> _Value | None:
        now = time.monotonic()
        self._check_generation(now)
        entry = self._entries.get(token)
        if entry is not None and entry[1] > now:
            return entry[0]
        value = self._load(token)
        ttl = POSITIVE_TTL_SECONDS if value is not None else NEGATIVE_TTL_SECONDS
        with self._lock:
            self._entries[token] = (value, now + ttl)
        return value

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


def _environment_of_token(token: str) -> int | None:
    return Environment.objects.filter(api_token=token).values_list("id", flat=True).first()


_tokens: KeyCache[int] = KeyCache(_environment_of_token)
_caches: list[KeyCache[Any]] = [_tokens]


def key_cache_register(cache_: KeyCache[Any]) -> None:
    """Another per-process key cache to drop whenever tokens change (``environment_tokens_changed``)."""
    _caches.append(cache_)


def environment_id_for_token(*, token: str) -> int | None:
    """The id of the environment whose public project token is ``token``; None when unknown.

    Tokens are ASCII (``phc_…``): anything else cannot match and never reaches the database
    (PostgreSQL refuses NUL characters and no driver encodes lone surrogates).
    """
    if not token or not token.isascii() or "\x00" in token or len(token) > 200:
        return None
    return _tokens.lookup(token)


def environment_tokens_changed(**kwargs: Any) -> None:
    """Signal receiver (environment or Sentry key saved or deleted): every process re-reads its
    tokens and keys."""
    for cache_ in _caches:
        cache_.forget()
    key = coordination_key("token-generation")
    try:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception as error:  # the change is saved; other processes catch up within the TTL
        logger.warning("token_generation_bump_failed", extra={"error": str(error)})


def environment_by_token(*, token: str) -> Environment | None:
    """The environment of ``token`` itself (remote config reads its settings); None when unknown."""
    environment_id = environment_id_for_token(token=token)
    return None if environment_id is None else Environment.objects.filter(id=environment_id).first()

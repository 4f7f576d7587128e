"""Project token → environment id, from a per-process cache: no database query per capture.

Entries live ``POSITIVE_TTL_SECONDS`` (unknown tokens ``NEGATIVE_TTL_SECONDS``, so a flood of bad
tokens costs one query per token and interval, not per request). Saving or deleting any
environment bumps a *generation* number in the shared cache; every process compares its own with
it at most every ``GENERATION_CHECK_SECONDS`` and drops its entries when it moved, so a rotated
token, a new environment or a deleted one is seen everywhere within that delay (and at once in
the process that made the change). A deleted environment's late data is dropped downstream
anyway (aggregation and flush check that the environment exists).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache import cache

from recordings_api.coordination import coordination_key
from recordings_api.models import Environment

logger = logging.getLogger(__name__)
POSITIVE_TTL_SECONDS = 300.0
NEGATIVE_TTL_SECONDS = 10.0
GENERATION_CHECK_SECONDS = 1.0


class _TokenCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[int | None, float]] = {}
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

    def lookup(self, token: str) -> int | None:
        now = time.monotonic()
        self._check_generation(now)
        entry = self._entries.get(token)
        if entry is not None and entry[1] > now:
            return entry[0]
        environment_id = Environment.objects.filter(api_token=token).values_list("id", flat=True).first()
        ttl = POSITIVE_TTL_SECONDS if environment_id is not None else NEGATIVE_TTL_SECONDS
        with self._lock:
            self._entries[token] = (environment_id, now + ttl)
        return environment_id

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


_tokens = _TokenCache()


def environment_id_for_token(*, token: str) -> int | None:
    """The id of the environment whose public project token is ``token``; None when unknown.

    Tokens are ASCII (``phc_…``): anything else cannot match and never reaches the database
    (PostgreSQL refuses NUL characters and no driver encodes lone surrogates).
    """
    if not token or not token.isascii() or "\x00" in token or len(token) > 200:
        return None
    return _tokens.lookup(token)


def environment_tokens_changed(**kwargs: Any) -> None:
    """Signal receiver (environment saved or deleted): every process re-reads its tokens."""
    _tokens.forget()
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

"""An in-process cache of what authorising a request reads: a personal API key (with its user)
and an environment (with its project and whether the user is a member).

Every entry is valid only under the **access generation** it was read under: a random token in
Redis, read in the same round trip as the failed-authentication budget
(``throttles.authentication_failures_check``), so a cache hit costs no database query and no
extra round trip. Any change to a key, a user, a membership, an environment, a project or an
organization replaces the token once its transaction commits (``access_changed``, connected to
those models' ``post_save`` / ``post_delete`` and called by the services that write them with
``QuerySet.update``), so every process misses on its next request: a revoked key, a narrowed
scope or a removed member is refused at once, everywhere. The process that made the change also
empties its own cache immediately (before the commit: a reader in between caches under the old
token, which the commit then replaces).

Ordering invariant: the token is read *before* the database, and replaced only *after* the
commit, so an entry never outlives the token of the state it saw.

Bounds, as defence in depth against a write that bypasses both paths (raw SQL): an entry is
reused for at most ``ACCESS_CACHE_MAX_AGE_SECONDS`` (30 s) and the cache holds at most
``MAX_ENTRIES``. Without Redis (embedded mode) there is no token and nothing is cached. Expiry
(``expires_at``) is checked on every request, cached or not. Lookups that fail are never cached.
Callers get copies: a request may change its ``request.user`` without touching the cache.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import Model

from recordings_api.budgets import Marker

ACCESS_GENERATION_KEY = "access_generation"
ACCESS_CACHE_MAX_AGE_SECONDS = 30.0
MAX_ENTRIES = 4096
# Saved alone, these fields change nothing a request is authorised by: a login's ``last_login``
# must not empty every process's cache.
ACCESS_IRRELEVANT_FIELDS = frozenset({"last_login"})

ModelT = TypeVar("ModelT", bound=Model)


@dataclass(frozen=True)
class _Entry:
    generation: str
    stored_at: float
    value: Any


_entries: dict[Hashable, _Entry] = {}
_lock = threading.Lock()


def new_access_generation() -> str:
    return uuid.uuid4().hex


def access_cached(key: Hashable, *, generation: str | None, model: type[ModelT]) -> ModelT | None:
    """A copy of the instance stored under ``key`` if it was read under ``generation`` less than
    the maximum age ago, else None."""
    if generation is None:
        return None
    entry = _entries.get(key)
    if entry is None or entry.generation != generation:
        return None
    if time.monotonic() - entry.stored_at > ACCESS_CACHE_MAX_AGE_SECONDS:
        return None
    value = entry.value
    return _copied(value) if isinstance(value, model) else None


def access_store(key: Hashable, instance: Model, *, generation: str | None) -> None:
    """Keep (a copy of) ``instance`` under ``key``, valid under ``generation`` (None: not kept)."""
    if generation is None:
        return
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = _Entry(generation=generation, stored_at=time.monotonic(), value=_copied(instance))


def access_cache_clear() -> None:
    """Forget every entry of this process."""
    with _lock:
        _entries.clear()


def access_changed(*, update_fields: frozenset[str] | None = None, **_: Any) -> None:
    """Access data changed: empty this process's cache now and, once the current transaction
    commits (at once outside one), replace the shared generation so every process misses.
    A save of only ``ACCESS_IRRELEVANT_FIELDS`` (``post_save``'s ``update_fields``) is no change."""
    if update_fields and update_fields <= ACCESS_IRRELEVANT_FIELDS:
        return
    access_cache_clear()
    transaction.on_commit(_generation_replace)


def _generation_replace() -> None:
    access_cache_clear()
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(ACCESS_GENERATION_KEY, write=True)
        client.set(cache.make_key(ACCESS_GENERATION_KEY), new_access_generation())


def _copied(instance: ModelT) -> ModelT:
    """A shallow copy of ``instance`` whose cached related objects are copies too."""
    clone = copy.copy(instance)
    related = instance._state.fields_cache
    clone._state.fields_cache = {
        name: _copied(value) if isinstance(value, Model) else value for name, value in related.items()
    }
    return clone


ACCESS_GENERATION = Marker(key=ACCESS_GENERATION_KEY, initial=new_access_generation)


def request_generation_set(request: Any, generation: str | None) -> None:
    """Remember the generation this request's access data is read under (its authentication
    read it before any lookup)."""
    getattr(request, "_request", request).access_generation = generation


def request_generation(request: Any) -> str | None:
    """The generation ``request_generation_set`` remembered; None (do not cache) otherwise."""
    return getattr(getattr(request, "_request", request), "access_generation", None)

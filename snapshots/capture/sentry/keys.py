"""Sentry public key → its environment, from a per-process cache (no query per envelope).

Cached like project tokens (``snapshots.ingestion.tokens.KeyCache``): saving or deleting a key
or an environment invalidates every process's entries within a second, so a deactivated key is
refused everywhere almost at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from recordings_api.models import SentryClientKey
from snapshots.ingestion.tokens import KeyCache, key_cache_register


@dataclass(frozen=True)
class ClientKey:
    public_key: str
    environment_id: int
    is_active: bool


def _load(public_key: str) -> ClientKey | None:
    row = (
        SentryClientKey.objects.filter(public_key=public_key)
        .values_list("environment_id", "is_active")
        .first()
    )
    return None if row is None else ClientKey(public_key, row[0], row[1])


_keys: KeyCache[ClientKey] = KeyCache(_load)
key_cache_register(_keys)


def client_key_find(*, public_key: str) -> ClientKey | None:
    """The key (active or not) with this public key; None when there is none. Raises
    ``DatabaseError`` when the database is unreachable for a key not cached yet."""
    return _keys.lookup(public_key)

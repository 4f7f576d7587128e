"""Cache keys that coordinate processes (locks, rate limits, generations), one namespace per
database.

Processes share a coordination key exactly when they share the database, whatever else shares
the cache: two deployments (or two test workers) on one Redis never block each other.
"""

from __future__ import annotations

import os

from django.db import connection


def coordination_key(*parts: object) -> str:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        name = f"{name}@{os.getpid()}"  # an in-memory database is private to its process
    return ":".join(["coordination", name, *map(str, parts)])

"""Per-personal-key throttles with settings-driven budgets (``API_THROTTLE_RATES``).

Only requests authenticated by a personal API key are counted, keyed by the key's id; session
traffic (staff) is not limited. Counters live in the configured cache (Redis in production),
so every web process shares them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from recordings_api.models import PersonalAPIKey


class PersonalAPIKeyRateThrottle(SimpleRateThrottle):
    scope: str

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)  # type: ignore[no-any-return]

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, PersonalAPIKey):
            return None
        return f"throttle_{self.scope}_{request.auth.pk}"


class BurstRateThrottle(PersonalAPIKeyRateThrottle):
    scope = "burst"


class SustainedRateThrottle(PersonalAPIKeyRateThrottle):
    scope = "sustained"


class SnapshotsBurstRateThrottle(PersonalAPIKeyRateThrottle):
    scope = "snapshots_burst"


class SnapshotsSustainedRateThrottle(PersonalAPIKeyRateThrottle):
    scope = "snapshots_sustained"


DEFAULT_THROTTLES = [BurstRateThrottle, SustainedRateThrottle]
SNAPSHOT_THROTTLES = [SnapshotsBurstRateThrottle, SnapshotsSustainedRateThrottle]

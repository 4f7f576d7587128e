"""The per-project-token capture budget (``API_THROTTLE_RATES["capture_token"]``, from
``THROTTLE_CAPTURE_TOKEN``; unset by default: no limit).

Counted per environment, per request, atomically (``recordings_api.budgets``); only requests
whose token names an environment count. Over budget, posthog-js gets a 429 in the error shape
with ``Retry-After`` and ``"quota_limited": ["recordings", "events"]``: the SDK reads that list
from any response and stops sending those batches for 60 s, and it never retries a 4xx, so a
client over its budget goes quiet instead of hammering (reference: posthog-js RateLimiter and
RetryQueue). A Sentry SDK adapter answers the same budget with 429, ``Retry-After`` and
``X-Sentry-Rate-Limits: <seconds>::organization:quota_exceeded`` (all categories), which the SDK
honours per category.

The budget fails open: if its counter is unreachable (Redis down), the request goes on to the
live buffer, which then answers for the outage itself.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import OperationalError
from redis.exceptions import RedisError

from recordings_api.budgets import budget_consume, rate_parse

logger = logging.getLogger(__name__)

CAPTURE_SCOPE = "capture_token"


def capture_budget_wait(*, environment_id: int) -> float | None:
    """Count one capture request; None when it fits, else the seconds until the budget refills."""
    rate = settings.API_THROTTLE_RATES.get(CAPTURE_SCOPE)
    if not rate:
        return None
    try:
        return budget_consume(key=f"throttle_{CAPTURE_SCOPE}_{environment_id}", rate=rate_parse(rate))
    except (RedisError, OperationalError) as error:
        logger.warning(
            "capture_budget_unavailable", extra={"environment_id": environment_id, "error": str(error)}
        )
        return None

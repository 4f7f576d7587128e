"""Optional error reporting to Sentry (or any Sentry-compatible endpoint) when SENTRY_DSN is set.

Imported by settings, so it imports no model. Unhandled exceptions of requests and Celery tasks
and ERROR log records are reported; personal data (cookies, user ids, IP addresses) is not
sent (``send_default_pii`` off). Tracing is off unless ``SENTRY_TRACES_SAMPLE_RATE`` > 0.
"""

from __future__ import annotations


def error_reporting_init(
    *, dsn: str | None, environment: str, release: str | None, traces_sample_rate: float
) -> bool:
    """Start the Sentry SDK when ``dsn`` is set; True when it was started."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
    return True

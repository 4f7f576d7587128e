"""Sentry client keys: what the Sentry SDKs authenticate their envelopes with.

A Sentry *project* is one of our environments (its id is the environment id), so each key
belongs to an environment. The DSN an SDK is configured with is
``{SITE_URL scheme}://{public_key}@{SITE_URL host}/{environment_id}`` (``sentry_dsn``). Like the
posthog-js project token, a public key only identifies where data goes; it authorises no read.
The optional ``secret_key`` is what old SDKs put in ``sentry_secret``: browsers never send it,
so ingestion never requires it. An inactive key is refused (403) without being deleted.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.db import models

from recordings_api.models.tenancy import Environment


def generate_sentry_key() -> str:
    """32 lowercase hex characters (128 random bits), the form Sentry's keys have."""
    return secrets.token_hex(16)


class SentryClientKey(models.Model):
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="sentry_keys")
    label = models.CharField(max_length=64, default="Default")
    public_key = models.CharField(max_length=32, unique=True, default=generate_sentry_key)
    secret_key = models.CharField(max_length=32, blank=True, default=generate_sentry_key)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Sentry client key"
        indexes = [models.Index(fields=["environment", "is_active"], name="sentry_key_env_active")]

    def __str__(self) -> str:
        return f"{self.label} ({self.public_key[:8]}…)"


def sentry_dsn(*, key: SentryClientKey, site_url: str) -> str:
    """The DSN of ``key`` on the service reachable at ``site_url`` (its scheme and host)."""
    parts = urlsplit(site_url)
    scheme = parts.scheme or "http"
    return f"{scheme}://{key.public_key}@{parts.netloc}/{key.environment_id}"

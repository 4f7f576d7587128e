"""Reads used by the public posthog-js endpoints."""

from __future__ import annotations

from recordings_api.models import Environment


def environment_by_token(*, token: str) -> Environment | None:
    """The environment whose public project token is ``token`` (None when unknown or empty)."""
    if not token:
        return None
    return Environment.objects.filter(api_token=token).first()

"""Reads used by the public posthog-js endpoints."""

from __future__ import annotations

from recordings_api.models import Environment


def environment_by_token(*, token: str) -> Environment | None:
    """The environment whose public project token is ``token`` (None when unknown or empty).

    Tokens are ASCII (``phc_…``): anything else cannot match and never reaches the database
    (PostgreSQL refuses NUL characters and no driver encodes lone surrogates).
    """
    if not token or not token.isascii() or "\x00" in token:
        return None
    return Environment.objects.filter(api_token=token).first()

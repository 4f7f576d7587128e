"""Personal API keys: only a hash is stored; the plaintext exists once, at creation.

A key stops authenticating (401) once ``revoked_at`` is set (the row is kept, for the audit
trail and so its mask stays recognisable) or once ``expires_at`` has passed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_PREFIX = "phx_"
HASH_PREFIX = "sha256$"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KEY_ENTROPY_BYTES = 35


def generate_personal_api_key() -> str:
    """``phx_`` + base62 of 35 random bytes (280 bits)."""
    number = int.from_bytes(secrets.token_bytes(_KEY_ENTROPY_BYTES), "big")
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_BASE62[remainder])
    return KEY_PREFIX + "".join(reversed(digits)).rjust(48, "0")


def hash_personal_api_key(plaintext: str) -> str:
    """The stored form: ``sha256$<hex>``. Keys carry ≥ 256 bits, so an unsalted hash is safe."""
    return HASH_PREFIX + hashlib.sha256(plaintext.encode()).hexdigest()


def mask_personal_api_key(plaintext: str) -> str:
    return f"{plaintext[:4]}...{plaintext[-4:]}"


def generate_key_id() -> str:
    return secrets.token_urlsafe(16)


class PersonalAPIKey(models.Model):
    id = models.CharField(primary_key=True, max_length=50, default=generate_key_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_api_keys"
    )
    label = models.CharField(max_length=40)
    mask_value = models.CharField(max_length=11, editable=False)
    secure_value = models.CharField(max_length=100, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    scoped_teams = models.JSONField(default=list, blank=True)
    scoped_organizations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the key never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "personal API key"

    def __str__(self) -> str:
        return f"{self.label} ({self.mask_value})"

    def status(self, now: datetime | None = None) -> str:
        """``active``, ``revoked`` or ``expired``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"

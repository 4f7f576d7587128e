"""Sharing configurations: revocable public access to one recording.

Invariants:
- At most one *current* configuration per recording (``expires_at`` is null); rotating the
  token retires the current one by giving it an ``expires_at`` in the near future (the grace
  period) and creates a new current one.
- A token opens its recording only while its configuration is ``enabled`` and not expired, and
  the recording is not tombstoned (see ``sharing.selectors.shared_recording_for_token``).
- Tokens are stored as issued: the API shows the current token to editors on every read, as
  PostHog does, so it cannot be a one-way hash.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from recordings.models import SessionRecording
from recordings_api.models import Environment

# 22 random bytes = 176 bits, URL-safe base64 (~30 characters), like PostHog's tokens.
ACCESS_TOKEN_BYTES = 22


def access_token_generate() -> str:
    """A new unguessable sharing token (``secrets``; ≥ 128 bits of entropy).

    Never starting with ``ph``: tokens also arrive as ``Authorization: Bearer``, where values
    starting with ``phx_`` (PostHog's key prefixes) are personal API keys.
    """
    while True:
        token = secrets.token_urlsafe(ACCESS_TOKEN_BYTES)
        if not token.lower().startswith("ph"):
            return token


class SharingConfiguration(models.Model):
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    recording = models.ForeignKey(
        SessionRecording, on_delete=models.CASCADE, related_name="sharing_configurations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enabled = models.BooleanField(default=False)
    access_token = models.CharField(max_length=400, unique=True, default=access_token_generate)
    # Null while current; set when the token is rotated out (it keeps working until then).
    expires_at = models.DateTimeField(null=True, blank=True)
    # Display options of the public page (noHeader, whitelabel, …); never access rules.
    settings = models.JSONField(null=True, blank=True)
    # The token alone opens nothing: a viewer enters one of the recording's share passwords at
    # /shared/{token} and gets a short-lived share session token (``sharing.passwords``).
    password_required = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recording"],
                condition=models.Q(expires_at__isnull=True),
                name="one_current_sharing_configuration_per_recording",
            )
        ]
        indexes = [models.Index(fields=["environment", "enabled"], name="sharing_env_enabled")]

    def __str__(self) -> str:
        state = "enabled" if self.enabled else "disabled"
        return f"Sharing of {self.recording_id} ({state})"


class SharePassword(models.Model):
    """A password that opens a recording's password-protected share (PostHog's ``SharePassword``).

    Only Django's password hash is stored; the plaintext is shown once, when it is created.
    Passwords belong to the recording, so they outlive token rotations; deleting one also ends
    the share sessions it opened.
    """

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    recording = models.ForeignKey(SessionRecording, on_delete=models.CASCADE, related_name="share_passwords")
    password_hash = models.CharField(max_length=256)
    note = models.CharField(max_length=100, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["recording", "created_at"], name="share_password_recording")]

    def __str__(self) -> str:
        return f"Share password {self.pk} of {self.recording_id}"

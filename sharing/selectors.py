"""Reads of sharing: the configuration shown for a recording, and what a token opens."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from recordings.models import SessionRecording
from recordings.selectors import session_recording_find
from sharing.grants import SharingGrant
from sharing.models import SharingConfiguration

# Every token this service issues is URL-safe base64 (``secrets.token_urlsafe``); anything else
# opens nothing and never reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,400}")


@dataclass(frozen=True)
class SharedRecording:
    """What a valid token opens: one recording of one environment."""

    configuration: SharingConfiguration
    recording: SessionRecording

    @property
    def environment_id(self) -> int:
        return self.recording.environment_id

    def grant(self) -> SharingGrant:
        return SharingGrant(
            environment_id=self.recording.environment_id,
            configuration_id=self.configuration.pk,
            recording_pk=self.recording.pk,
            session_id=self.recording.session_id,
            token_digest=hashlib.sha256(self.configuration.access_token.encode()).hexdigest(),
        )


def sharing_configuration_current(*, recording: SessionRecording) -> SharingConfiguration | None:
    """The recording's current (not rotated-out) configuration, if it was ever shared."""
    return SharingConfiguration.objects.filter(recording=recording, expires_at__isnull=True).first()


def sharing_configuration_get(*, recording: SessionRecording) -> SharingConfiguration:
    """The current configuration, or an unsaved disabled one (PostHog's shape for "never shared").

    The unsaved one carries a freshly generated token that opens nothing: it is not stored, and a
    later PATCH that enables sharing stores a new one.
    """
    current = sharing_configuration_current(recording=recording)
    if current is not None:
        return current
    return SharingConfiguration(environment_id=recording.environment_id, recording=recording)


def shared_recording_for_token(*, token: str) -> SharedRecording | None:
    """What ``token`` opens now, or None (unknown, disabled, rotated out past its grace, deleted
    or expired recording). A password-protected share is returned too: callers must not let its
    token alone open it (``configuration.password_required``).

    Fails closed: any doubt about the token yields None, which callers turn into 401/404.
    """
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    configuration = SharingConfiguration.objects.filter(access_token=token).first()
    return None if configuration is None else shared_recording_for_configuration(configuration=configuration)


def shared_recording_for_configuration(*, configuration: SharingConfiguration) -> SharedRecording | None:
    """What ``configuration`` opens now: enabled, not past its expiry, its recording visible."""
    now = timezone.now()
    if not configuration.enabled or (
        configuration.expires_at is not None and configuration.expires_at <= now
    ):
        return None
    recording = (
        SessionRecording.objects.select_related("environment").filter(pk=configuration.recording_id).first()
    )
    if recording is None or recording.environment_id != configuration.environment_id:
        return None
    visible = session_recording_find(environment=recording.environment, session_id=recording.session_id)
    return SharedRecording(configuration=configuration, recording=visible) if visible else None


def shared_configurations_list(*, environment_id: int | None = None) -> QuerySet[SharingConfiguration]:
    """Current configurations (enabled or not) that were ever saved, newest first (the admin)."""
    queryset = SharingConfiguration.objects.filter(expires_at__isnull=True).select_related(
        "recording", "environment"
    )
    if environment_id is not None:
        queryset = queryset.filter(environment_id=environment_id)
    return queryset.order_by("-created_at")

"""Writes of sharing: enable/disable, display settings, token rotation.

Every write locks the recording's current configuration row (or creates it) inside one
transaction, so two concurrent PATCHes or rotations cannot leave two current configurations
(the partial unique constraint is the last line of defence).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from recordings.models import SessionRecording
from recordings.services import session_recording_persist
from recordings_api.models import User
from sharing.models import SharingConfiguration, access_token_generate

logger = logging.getLogger(__name__)

_UNSET: Any = object()


def sharing_configuration_update(
    *,
    recording: SessionRecording,
    user: User | None,
    enabled: bool | None = None,
    settings: dict[str, Any] | None = _UNSET,
    password_required: bool | None = None,
) -> SharingConfiguration:
    """Create or update the recording's current configuration.

    Enabling marks the recording ``persisted`` (kept past retention, like PostHog's LTS for
    shared recordings); disabling never un-persists it. Disabling also ends the grace period of
    tokens rotated out earlier: once an editor turns sharing off, no token of the recording works.
    """
    with transaction.atomic():
        configuration = _current_for_update(recording=recording, user=user)
        if enabled is not None:
            configuration.enabled = enabled
        if settings is not _UNSET:
            configuration.settings = settings
        if password_required is not None:
            configuration.password_required = password_required
        configuration.save(update_fields=["enabled", "settings", "password_required"])
        if configuration.enabled:
            _persist(recording)
        else:
            _expire_rotated_tokens(recording=recording)
    logger.info(
        "sharing_configuration_updated",
        extra={"recording_id": recording.pk, "environment_id": recording.environment_id, "enabled": enabled},
    )
    return configuration


def sharing_configuration_refresh(*, recording: SessionRecording, user: User | None) -> SharingConfiguration:
    """Rotate the token: a new current configuration with the same state and a new token.

    The previous token keeps working for ``SHARING_TOKEN_GRACE_SECONDS`` (so open viewers are
    not cut off mid-replay), then it is dead (401). A grace of 0 kills it at once.
    """
    grace = timedelta(seconds=max(0, django_settings.SHARING_TOKEN_GRACE_SECONDS))
    with transaction.atomic():
        previous = _current_for_update(recording=recording, user=user)
        previous.expires_at = timezone.now() + grace
        previous.save(update_fields=["expires_at"])
        configuration = SharingConfiguration.objects.create(
            environment_id=recording.environment_id,
            recording=recording,
            created_by=user,
            enabled=previous.enabled,
            settings=previous.settings,
            password_required=previous.password_required,
            access_token=access_token_generate(),
        )
    logger.info(
        "sharing_token_rotated",
        extra={
            "recording_id": recording.pk,
            "environment_id": recording.environment_id,
            "grace_seconds": int(grace.total_seconds()),
        },
    )
    return configuration


def sharing_configuration_set_enabled(*, configuration: SharingConfiguration, enabled: bool) -> None:
    """Enable or disable ``configuration``'s recording sharing (admin actions)."""
    sharing_configuration_update(recording=configuration.recording, user=None, enabled=enabled)


def _current_for_update(*, recording: SessionRecording, user: User | None) -> SharingConfiguration:
    """The locked current configuration, created (disabled) when the recording was never shared."""
    queryset = SharingConfiguration.objects.select_for_update().filter(
        recording=recording, expires_at__isnull=True
    )
    configuration = queryset.first()
    if configuration is not None:
        return configuration
    try:
        with transaction.atomic():
            return SharingConfiguration.objects.create(
                environment_id=recording.environment_id, recording=recording, created_by=user
            )
    except IntegrityError:
        # A concurrent request created it between our read and our insert: use theirs.
        return queryset.get()


def _persist(recording: SessionRecording) -> None:
    # Deleted or expired meanwhile: nothing to keep, and its token opens nothing anyway
    # (``shared_recording_for_token`` checks visibility).
    session_recording_persist(recording=recording)


def _expire_rotated_tokens(*, recording: SessionRecording) -> None:
    now = timezone.now()
    SharingConfiguration.objects.filter(recording=recording, expires_at__gt=now).update(expires_at=now)

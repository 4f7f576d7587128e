"""Password-protected shares: the recording's share passwords and the share sessions they open.

A configuration with ``password_required`` is opened by no token alone. A viewer posts one of
the recording's passwords to ``/shared/{token}`` and gets a *share session token*: a JWT
(HS256, keyed from ``SECRET_KEY``, valid ``SHARE_SESSION_SECONDS``) naming the configuration,
the password and a digest of the access token. It is accepted as ``Authorization: Bearer`` for
reads (as PostHog's ``SharingPasswordProtectedAuthentication`` does) and stops working as soon
as the share is disabled, its token rotated past grace, the password deleted, or the password
requirement lifted.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from recordings.models import SessionRecording
from recordings_api.models import User
from sharing.models import SharePassword, SharingConfiguration
from sharing.selectors import SharedRecording, shared_recording_for_configuration

logger = logging.getLogger(__name__)

SHARE_SESSION_SECONDS = 24 * 3600
GENERATED_PASSWORD_BYTES = 12
_AUDIENCE = "recording-share"
_ALGORITHM = "HS256"


def _signing_key() -> bytes:
    # A key of its own, derived from SECRET_KEY, so share sessions never collide with other signatures.
    return hashlib.sha256(f"share-session:{settings.SECRET_KEY}".encode()).digest()


def _token_digest(access_token: str) -> str:
    return hashlib.sha256(access_token.encode()).hexdigest()


def share_passwords_list(*, recording: SessionRecording) -> QuerySet[SharePassword]:
    return (
        SharePassword.objects.filter(recording=recording)
        .select_related("created_by")
        .order_by("created_at", "id")
    )


def share_password_create(
    *, recording: SessionRecording, user: User | None, raw_password: str | None, note: str
) -> tuple[SharePassword, str]:
    """A new password of the recording's share and its plaintext (generated when not given)."""
    plaintext = raw_password or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    password = SharePassword.objects.create(
        environment_id=recording.environment_id,
        recording=recording,
        password_hash=make_password(plaintext),
        note=note,
        created_by=user,
    )
    logger.info("share_password_created", extra={"recording_id": recording.pk, "password_id": password.pk})
    return password, plaintext


def share_password_delete(*, recording: SessionRecording, password_id: str) -> None:
    """Delete one of the recording's passwords (its share sessions end with it); 404 when unknown."""
    deleted = 0
    if password_id.isdigit():
        deleted, _ = SharePassword.objects.filter(recording=recording, id=int(password_id)).delete()
    if not deleted:
        raise NotFound("Share password not found.")
    logger.info("share_password_deleted", extra={"recording_id": recording.pk, "password_id": password_id})


def share_session_open(*, shared: SharedRecording, password: str) -> str | None:
    """A share session token when ``password`` is one of the recording's passwords, else None."""
    for candidate in share_passwords_list(recording=shared.recording):
        if check_password(password, candidate.password_hash):
            claims = {
                "aud": _AUDIENCE,
                "cfg": shared.configuration.pk,
                "pwd": candidate.pk,
                "tok": _token_digest(shared.configuration.access_token),
                "exp": int(time.time()) + SHARE_SESSION_SECONDS,
            }
            return jwt.encode(claims, _signing_key(), algorithm=_ALGORITHM)
    return None


def shared_recording_for_session(*, token: str) -> SharedRecording | None:
    """What a share session token opens now, or None (bad signature, expired, revoked)."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, _signing_key(), algorithms=[_ALGORITHM], audience=_AUDIENCE
        )
    except jwt.PyJWTError:
        return None
    configuration_id, password_id = claims.get("cfg"), claims.get("pwd")
    if not isinstance(configuration_id, int) or not isinstance(password_id, int):
        return None
    configuration = SharingConfiguration.objects.filter(pk=configuration_id).first()
    if configuration is None or not configuration.password_required:
        return None
    if _token_digest(configuration.access_token) != claims.get("tok"):
        return None
    if not SharePassword.objects.filter(pk=password_id, recording_id=configuration.recording_id).exists():
        return None
    return shared_recording_for_configuration(configuration=configuration)

"""Sentry's user object (``viewed_by`` entries, reference §6.11) for one of our users."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from recordings_api.models import User


def _date(moment: Any) -> str | None:
    return None if moment is None else serializers.DateTimeField().to_representation(moment)


def sentry_user_object(user: User) -> dict[str, Any]:
    name = user.get_full_name() or user.email
    return {
        "id": str(user.pk),
        "name": name,
        "username": user.email,
        "email": user.email,
        "avatarUrl": None,
        "isActive": user.is_active,
        "hasPasswordAuth": user.has_usable_password(),
        "isManaged": False,
        "dateJoined": _date(user.date_joined),
        "lastLogin": _date(user.last_login),
        "has2fa": False,
        "lastActive": _date(user.last_login),
        "isSuperuser": user.is_superuser,
        "isStaff": user.is_staff,
        "experiments": {},
        "emails": [{"id": str(user.pk), "email": user.email, "is_verified": bool(user.is_email_verified)}],
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None},
        "type": "user",
    }

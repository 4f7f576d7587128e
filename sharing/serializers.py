"""Request and response shapes of the sharing API (PostHog's ``SharingConfigurationSerializer``)."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import serializers

from sharing.models import SharingConfiguration

SETTINGS_MAX_BYTES = 4096
SETTINGS_MAX_KEYS = 32


class SharingConfigurationSerializer(serializers.ModelSerializer[SharingConfiguration]):
    """``{created_at, enabled, access_token, settings, password_required}``.

    ``created_at`` is null for a recording that was never shared (the object is not stored).
    """

    class Meta:
        model = SharingConfiguration
        fields = ["created_at", "enabled", "access_token", "settings", "password_required"]
        read_only_fields = fields
        # A never-shared recording gets an unsaved configuration, which has no creation time.
        extra_kwargs = {"created_at": {"allow_null": True}}


class SharingConfigurationUpdateSerializer(serializers.Serializer[Any]):
    enabled = serializers.BooleanField(required=False, help_text="Whether the public link works.")
    settings = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text=(
            "Display options of the shared page, an object of flags such as "
            '`{"noHeader": true, "whitelabel": true}`; null clears them.'
        ),
    )
    password_required = serializers.BooleanField(
        required=False, help_text="Password-protected shares are not supported: only `false` is accepted."
    )

    def validate_settings(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object or null.")
        if len(value) > SETTINGS_MAX_KEYS:
            raise serializers.ValidationError(f"At most {SETTINGS_MAX_KEYS} settings are allowed.")
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                message = f"Setting {key!r} must be a string, number, boolean or null."
                raise serializers.ValidationError(message)
            if "\x00" in key or (isinstance(item, str) and "\x00" in item):
                # PostgreSQL's JSONB refuses NUL characters.
                raise serializers.ValidationError("Settings must not contain NUL characters.")
        if len(orjson.dumps(value)) > SETTINGS_MAX_BYTES:
            raise serializers.ValidationError(f"Settings must be at most {SETTINGS_MAX_BYTES} bytes of JSON.")
        return value

    def validate_password_required(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError("Password-protected sharing is not supported by this server.")
        return value

"""Request and response shapes of the sharing API (PostHog's ``SharingConfigurationSerializer``)."""

from __future__ import annotations

from typing import Any

import orjson
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recordings_api.strict_input import JSONObjectField, PresentTextField, StrictTypesSerializer
from sharing.models import SharePassword, SharingConfiguration
from sharing.password_pages import PASSWORD_MAX_LENGTH
from sharing.passwords import share_passwords_list

SETTINGS_MAX_BYTES = 4096
SETTINGS_MAX_KEYS = 32


class SharePasswordSerializer(serializers.ModelSerializer[SharePassword]):
    """A share password as listed (never its value)."""

    created_by_email = serializers.SerializerMethodField()

    class Meta:
        model = SharePassword
        fields = ["id", "note", "created_at", "created_by_email"]
        read_only_fields = fields

    def get_created_by_email(self, password: SharePassword) -> str | None:
        return password.created_by.email if password.created_by is not None else None


class SharePasswordCreatedSerializer(SharePasswordSerializer):
    """A new share password with its plaintext ``password``, shown this once."""

    password = serializers.CharField(source="plaintext")

    class Meta(SharePasswordSerializer.Meta):
        fields = ["id", "password", "note", "created_at", "created_by_email"]
        read_only_fields = fields


class SharePasswordCreateSerializer(StrictTypesSerializer):
    raw_password = PresentTextField(
        required=False,
        min_length=8,
        max_length=PASSWORD_MAX_LENGTH,
        trim_whitespace=False,
        help_text="The password (at least 8 characters); omit it to have one generated.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class SharingConfigurationSerializer(serializers.ModelSerializer[SharingConfiguration]):
    """``{created_at, enabled, access_token, settings, password_required, share_passwords}``.

    ``created_at`` is null for a recording that was never shared (the object is not stored).
    """

    share_passwords = serializers.SerializerMethodField()

    class Meta:
        model = SharingConfiguration
        fields = ["created_at", "enabled", "access_token", "settings", "password_required", "share_passwords"]
        read_only_fields = fields
        # A never-shared recording gets an unsaved configuration, which has no creation time.
        extra_kwargs = {"created_at": {"allow_null": True}}

    @extend_schema_field(SharePasswordSerializer(many=True))
    def get_share_passwords(self, configuration: SharingConfiguration) -> list[Any]:
        passwords = share_passwords_list(recording=configuration.recording)
        return list(SharePasswordSerializer(passwords, many=True).data)


_SETTING_VALUE = {
    "anyOf": [{"type": "string", "pattern": "^[^\\x00]*$"}, {"type": "number"}, {"type": "boolean"}],
    "nullable": True,
}


@extend_schema_field(
    {"type": "object", "maxProperties": SETTINGS_MAX_KEYS, "additionalProperties": _SETTING_VALUE}
)
class SharingSettingsField(JSONObjectField):
    """Flat settings: at most ``SETTINGS_MAX_KEYS`` keys, each a string (no NUL), number, boolean
    or null (``validate_settings`` enforces it, with the byte limit)."""


class SharingConfigurationUpdateSerializer(StrictTypesSerializer):
    enabled = serializers.BooleanField(required=False, help_text="Whether the public link works.")
    settings = SharingSettingsField(
        required=False,
        allow_null=True,
        help_text=(
            "Display options of the shared page, an object of flags such as "
            '`{"noHeader": true, "whitelabel": true}`; null clears them.'
        ),
    )
    password_required = serializers.BooleanField(
        required=False,
        help_text="true: the token alone opens nothing; viewers enter one of the share passwords "
        "(`POST …/sharing/passwords/`) at `/shared/{access_token}`.",
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
        if len(orjson.dumps(value)) > SETTINGS_MAX_BYTES:
            raise serializers.ValidationError(f"Settings must be at most {SETTINGS_MAX_BYTES} bytes of JSON.")
        return value

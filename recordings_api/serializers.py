"""Serializers of core shapes that domain payloads embed or that every endpoint documents."""

from __future__ import annotations

from rest_framework import serializers

from recordings_api.models import User


class UserBasicSerializer(serializers.ModelSerializer):
    """PostHog's ``UserBasic``: the ``created_by`` / ``last_modified_by`` shape."""

    class Meta:
        model = User
        fields = [
            "id",
            "uuid",
            "distinct_id",
            "first_name",
            "last_name",
            "email",
            "is_email_verified",
            "hedgehog_config",
            "role_at_organization",
        ]
        read_only_fields = fields


class ApiErrorSerializer(serializers.Serializer):
    """PostHog's error shape, returned by every API error (documentation only)."""

    type = serializers.CharField(
        help_text="authentication_error, invalid_request, validation_error, throttled_error or server_error."
    )
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `permission_denied`.")
    detail = serializers.CharField(help_text="A human-readable explanation.")
    attr = serializers.CharField(allow_null=True, help_text="The offending parameter or field, if any.")

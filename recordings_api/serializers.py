"""Serializers of core objects that domain payloads embed."""

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

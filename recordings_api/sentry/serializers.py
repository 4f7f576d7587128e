"""Shapes of the Sentry face's discovery endpoints (Sentry's camelCase keys)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recordings_api.models import Environment, Organization

# What Sentry's clients check before calling the replay endpoints.
ORGANIZATION_FEATURES = ("session-replay", "session-replay-ui", "global-views")
# Both SDKs served here are browser JavaScript SDKs (posthog-js, @sentry/browser).
PROJECT_PLATFORM = "javascript"


class SentryProjectSerializer(serializers.Serializer):
    """A Sentry project: one of our environments (its id is the environment id)."""

    id = serializers.SerializerMethodField(help_text="The environment id, as a string (Sentry's ids are).")
    slug = serializers.CharField()
    name = serializers.SerializerMethodField(
        help_text="The project's name; other environments add theirs: `Web (staging)`."
    )
    platform = serializers.SerializerMethodField()
    dateCreated = serializers.DateTimeField(source="created_at")

    def get_id(self, environment: Environment) -> str:
        return str(environment.id)

    def get_name(self, environment: Environment) -> str:
        project = environment.project
        return project.name if environment.id == project.id else f"{project.name} ({environment.name})"

    def get_platform(self, environment: Environment) -> str:
        return PROJECT_PLATFORM


class _Status(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class SentryOrganizationSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text="The organization id (a UUID).")
    slug = serializers.CharField()
    name = serializers.CharField()
    dateCreated = serializers.DateTimeField(source="created_at")
    status = serializers.SerializerMethodField()
    features = serializers.SerializerMethodField()

    def get_id(self, organization: Organization) -> str:
        return str(organization.id)

    @extend_schema_field(_Status)
    def get_status(self, organization: Organization) -> dict[str, str]:
        return {"id": "active", "name": "active"}

    def get_features(self, organization: Organization) -> list[str]:
        return list(ORGANIZATION_FEATURES)


class SentryOrganizationDetailSerializer(SentryOrganizationSerializer):
    projects = serializers.SerializerMethodField(help_text="Its projects this request may see.")

    @extend_schema_field(SentryProjectSerializer(many=True))
    def get_projects(self, organization: Organization) -> Any:
        return SentryProjectSerializer(self.context["projects"], many=True).data


class SentryErrorSerializer(serializers.Serializer):
    """Sentry's error shape (documentation only); validation errors map fields to messages."""

    detail = serializers.CharField(
        required=False, help_text='What is wrong; an invalid parameter is named instead: `{"field": ["…"]}`.'
    )

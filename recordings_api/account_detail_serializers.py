"""The full shapes: a project (``/api/projects/{id}/``), an organization
(``/api/organizations/@current/``) and the current user (``/api/users/@me/``). See
``account_serializers`` for the context they read and the constant fields."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recordings_api.account_serializers import (
    AccountSerializer,
    ConstantBooleanField,
    ConstantIntegerField,
    ConstantListField,
    ConstantObjectField,
    ConstantStringField,
    ProjectBasicSerializer,
    TeamBasicSerializer,
)
from recordings_api.models import Environment, Organization, Project, User

# How a recording's person is named in lists: the first of these person properties that is set.
PERSON_DISPLAY_NAME_PROPERTIES = ["email", "name", "username"]
_RETENTION_NAMES = {30: "30d", 90: "90d", 365: "1y", 1825: "5y"}


class ProjectEnvironmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Its id under `/api/environments/{id}/`.")
    name = serializers.CharField()
    api_token = serializers.CharField()


class ProjectSerializer(ProjectBasicSerializer):
    """PostHog's project object, plus ``environments`` (ours: the project's environments)."""

    product_description = ConstantStringField(None, allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(source="created_at")
    effective_membership_level = serializers.SerializerMethodField()
    has_group_types = ConstantBooleanField(False)
    group_types = ConstantListField([])
    live_events_token = ConstantStringField(None, allow_null=True)
    app_urls = ConstantListField([])
    anonymize_ips = ConstantBooleanField(False)
    test_account_filters = serializers.SerializerMethodField()
    test_account_filters_default_checked = ConstantBooleanField(False)
    path_cleaning_filters = ConstantListField([])
    data_attributes = ConstantListField([])
    person_display_name_properties = ConstantListField(PERSON_DISPLAY_NAME_PROPERTIES)
    autocapture_opt_out = ConstantBooleanField(False)
    capture_console_log_opt_in = ConstantBooleanField(True)
    capture_performance_opt_in = ConstantBooleanField(False)
    session_recording_opt_in = ConstantBooleanField(True)
    session_recording_retention_period = serializers.SerializerMethodField()
    recording_domains = ConstantListField([])
    environments = serializers.SerializerMethodField()

    def _default(self, project: Project) -> Environment | None:
        defaults = [
            environment
            for environment in self.account.environments_of(project)
            if environment.id == environment.project_id
        ]
        return defaults[0] if defaults else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_effective_membership_level(self, project: Project) -> int | None:
        return self.account.levels.get(project.organization_id)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_test_account_filters(self, project: Project) -> list[Any]:
        default = self._default(project)
        return list(default.test_account_filters or []) if default is not None else []

    @extend_schema_field(serializers.CharField(help_text="`30d`, `90d`, `1y`, `5y` or `{days}d`."))
    def get_session_recording_retention_period(self, project: Project) -> str:
        default = self._default(project)
        days = default.session_recording_retention_days if default is not None else 30
        return _RETENTION_NAMES.get(days, f"{days}d")

    @extend_schema_field(ProjectEnvironmentSerializer(many=True))
    def get_environments(self, project: Project) -> list[dict[str, Any]]:
        environments = self.account.environments_of(project)
        return list(ProjectEnvironmentSerializer(environments, many=True).data)


class OrganizationBasicSerializer(AccountSerializer):
    """An organization in a user's ``organizations``."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.SerializerMethodField()
    logo_media_id = ConstantStringField(None, allow_null=True)
    membership_level = serializers.SerializerMethodField(help_text="1 member, 8 admin, 15 owner.")
    members_can_use_personal_api_keys = ConstantBooleanField(True)

    def get_slug(self, organization: Organization) -> str:
        return slugify(organization.name) or str(organization.id)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_membership_level(self, organization: Organization) -> int | None:
        return self.account.levels.get(organization.id)


class OrganizationSerializer(OrganizationBasicSerializer):
    """PostHog's organization object; ``teams`` and ``projects`` are those the request may see."""

    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(source="created_at")
    plugins_access_level = ConstantIntegerField(0)
    teams = serializers.SerializerMethodField()
    projects = serializers.SerializerMethodField()
    available_product_features = ConstantListField([])
    is_member_join_email_enabled = ConstantBooleanField(False)
    metadata = ConstantObjectField({})
    customer_id = ConstantStringField(None, allow_null=True)
    enforce_2fa = ConstantBooleanField(None, allow_null=True)
    members_can_invite = ConstantBooleanField(True)
    allow_publicly_shared_resources = ConstantBooleanField(True)
    member_count = serializers.SerializerMethodField()
    is_ai_data_processing_approved = ConstantBooleanField(None, allow_null=True)
    default_experiment_stats_method = ConstantStringField("bayesian")
    default_role_id = ConstantStringField(None, allow_null=True)

    @extend_schema_field(TeamBasicSerializer(many=True))
    def get_teams(self, organization: Organization) -> list[Any]:
        environments = [
            env for env in self.account.environments if env.project.organization_id == organization.id
        ]
        return list(TeamBasicSerializer(environments, many=True, context=self.context).data)

    @extend_schema_field(ProjectBasicSerializer(many=True))
    def get_projects(self, organization: Organization) -> list[Any]:
        projects = self.account.projects_of(organization)
        return list(ProjectBasicSerializer(projects, many=True, context=self.context).data)

    def get_member_count(self, organization: Organization) -> int:
        return self.account.member_counts.get(organization.id, 0)


class UserMeSerializer(AccountSerializer):
    """PostHog's user object for ``@me``: ``team`` is the current environment (or the first one the
    request may see), ``organization`` its organization, ``organizations`` every one it may see."""

    date_joined = serializers.DateTimeField()
    uuid = serializers.UUIDField()
    distinct_id = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()
    pending_email = ConstantStringField(None, allow_null=True)
    is_email_verified = serializers.BooleanField(allow_null=True)
    notification_settings = ConstantObjectField({})
    anonymize_data = ConstantBooleanField(False)
    toolbar_mode = ConstantStringField("toolbar")
    has_password = serializers.SerializerMethodField()
    id = serializers.IntegerField()
    is_staff = serializers.BooleanField()
    is_impersonated = ConstantBooleanField(False)
    is_impersonated_until = ConstantStringField(None, allow_null=True)
    sensitive_session_expires_at = ConstantStringField(None, allow_null=True)
    team = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()
    organizations = serializers.SerializerMethodField()
    events_column_config = ConstantObjectField({"active": "DEFAULT"})
    is_2fa_enabled = ConstantBooleanField(False)
    has_social_auth = ConstantBooleanField(False)
    has_sso_enforcement = ConstantBooleanField(False)
    has_seen_product_intro_for = ConstantObjectField(None, allow_null=True)
    scene_personalisation = ConstantListField([])
    theme_mode = ConstantStringField(None, allow_null=True)
    hedgehog_config = serializers.JSONField(allow_null=True)
    role_at_organization = serializers.CharField(allow_null=True)

    def _team(self, user: User) -> Environment | None:
        environments = self.account.environments
        current = [env for env in environments if env.id == user.current_environment_id]
        candidates = current or environments
        return candidates[0] if candidates else None

    def get_has_password(self, user: User) -> bool:
        return user.has_usable_password()

    @extend_schema_field(TeamBasicSerializer(allow_null=True))
    def get_team(self, user: User) -> dict[str, Any] | None:
        team = self._team(user)
        return dict(TeamBasicSerializer(team, context=self.context).data) if team is not None else None

    @extend_schema_field(OrganizationSerializer(allow_null=True))
    def get_organization(self, user: User) -> dict[str, Any] | None:
        team = self._team(user)
        if team is None:
            return None
        return dict(OrganizationSerializer(team.project.organization, context=self.context).data)

    @extend_schema_field(OrganizationBasicSerializer(many=True))
    def get_organizations(self, user: User) -> list[Any]:
        organizations = {
            env.project.organization_id: env.project.organization for env in self.account.environments
        }
        ordered = sorted(organizations.values(), key=lambda organization: organization.name)
        return list(OrganizationBasicSerializer(ordered, many=True, context=self.context).data)

"""PostHog's shapes of projects, teams (our environments), organizations and the current user.

Every serializer reads an ``AccountView`` from its context (key ``"account"``): what the request
may see, loaded once, so a response costs a fixed number of queries. Fields of PostHog's shapes
for concepts this service does not have carry the value PostHog gives a fresh self-hosted
instance (``is_demo: false``, ``timezone: "UTC"``, ``group_types: []``, …; the ``Constant*``
fields); the ``uuid`` of projects and teams is derived from their id (stable, not stored).
``ingested_event`` is true once the environment (or one of the project's) has a recording.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recordings_api.activity import environments_with_data
from recordings_api.models import Environment, Organization, PersonalAPIKey, Project, User
from recordings_api.selectors import (
    account_member_counts,
    account_membership_levels,
    account_visible_environments,
)

_UUID_NAMESPACE = uuid.UUID("0b6f4e5c-7d1a-4f0e-9a55-1c2e7f3d8b90")


def derived_uuid(kind: str, object_id: int) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{kind}:{object_id}"))


@dataclass
class AccountView:
    """What one request may see: visible environments (with project and organization), those
    holding data, the user's membership levels and the organizations' member counts."""

    user: User
    environments: list[Environment]
    with_data: set[int]
    levels: dict[uuid.UUID, int]
    member_counts: dict[uuid.UUID, int]

    @classmethod
    def load(cls, *, user: User, key: PersonalAPIKey | None) -> AccountView:
        environments = list(account_visible_environments(user=user, key=key))
        levels = account_membership_levels(user=user)
        with_data = environments_with_data(environment.id for environment in environments)
        return cls(
            user, environments, with_data, levels, account_member_counts(organization_ids=list(levels))
        )

    def environments_of(self, project: Project) -> list[Environment]:
        return [environment for environment in self.environments if environment.project_id == project.id]

    def projects_of(self, organization: Organization) -> list[Project]:
        projects = {environment.project_id: environment.project for environment in self.environments}
        return [project for project in projects.values() if project.organization_id == organization.id]

    def project_has_data(self, project: Project) -> bool:
        return any(environment.id in self.with_data for environment in self.environments_of(project))


class ConstantField(serializers.Field):
    """A read-only field with a fixed value (a PostHog setting this service does not have)."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        self.value = value
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return self.value


@extend_schema_field(OpenApiTypes.BOOL)
class ConstantBooleanField(ConstantField):
    pass


@extend_schema_field(OpenApiTypes.STR)
class ConstantStringField(ConstantField):
    pass


@extend_schema_field(OpenApiTypes.INT)
class ConstantIntegerField(ConstantField):
    pass


@extend_schema_field({"type": "array", "items": {}})
class ConstantListField(ConstantField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": {}})
class ConstantObjectField(ConstantField):
    pass


class AccountSerializer(serializers.Serializer):
    @property
    def account(self) -> AccountView:
        account: AccountView = self.context["account"]
        return account


class _OnboardingFields(AccountSerializer):
    """The fields PostHog's basic team and project shapes share."""

    completed_snippet_onboarding = serializers.SerializerMethodField()
    has_completed_onboarding_for = serializers.SerializerMethodField()
    ingested_event = serializers.SerializerMethodField()
    is_demo = ConstantBooleanField(False)
    timezone = ConstantStringField("UTC")
    access_control = ConstantBooleanField(False)

    def has_data(self, obj: Any) -> bool:
        raise NotImplementedError

    def get_completed_snippet_onboarding(self, obj: Any) -> bool:
        return self.has_data(obj)

    @extend_schema_field(serializers.DictField(child=serializers.BooleanField(), allow_null=True))
    def get_has_completed_onboarding_for(self, obj: Any) -> dict[str, bool] | None:
        return {"session_replay": True} if self.has_data(obj) else None

    def get_ingested_event(self, obj: Any) -> bool:
        return self.has_data(obj)


class TeamBasicSerializer(_OnboardingFields):
    """PostHog's ``TeamBasic``: one of our environments."""

    id = serializers.IntegerField()
    uuid = serializers.SerializerMethodField()
    organization = serializers.UUIDField(source="project.organization_id")
    project_id = serializers.IntegerField()
    api_token = serializers.CharField(help_text="The project token posthog-js sends (`phc_…`).")
    name = serializers.CharField()

    def has_data(self, obj: Any) -> bool:
        return bool(obj.id in self.account.with_data)

    def get_uuid(self, environment: Environment) -> str:
        return derived_uuid("environment", environment.id)


class ProjectBasicSerializer(_OnboardingFields):
    """A project in lists (``/api/projects/``, an organization's ``projects``)."""

    id = serializers.IntegerField(help_text="Use under `/api/projects/{id}/`.")
    uuid = serializers.SerializerMethodField()
    organization = serializers.UUIDField(source="organization_id")
    api_token = serializers.SerializerMethodField(help_text="The project token of its default environment.")
    name = serializers.CharField()

    def has_data(self, obj: Any) -> bool:
        return self.account.project_has_data(obj)

    def get_uuid(self, project: Project) -> str:
        return derived_uuid("project", project.id)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_api_token(self, project: Project) -> str | None:
        default = [
            environment
            for environment in self.account.environments_of(project)
            if environment.id == environment.project_id
        ]
        return default[0].api_token if default else None

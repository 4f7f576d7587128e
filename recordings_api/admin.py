"""Operators' admin for tenants, users, memberships and personal API keys.

Organizations and projects are created here too: a project is created through
``project_create``, so it comes with its default environment (same id). A key created here is
generated server-side; its plaintext is shown once, in the success message after saving, and is
not recoverable afterwards (only its hash is stored). Keys are never deleted from the list's
actions: "Revoke" keeps the row (shown as revoked) and the key answers 401 from then on.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from recordings_api.models import (
    Environment,
    Membership,
    Organization,
    PersonalAPIKey,
    Project,
    SentryClientKey,
    User,
    sentry_dsn,
)
from recordings_api.retention import environment_retention_changed
from recordings_api.scopes import ALL_SCOPES
from recordings_api.services import personal_api_key_create, personal_api_keys_revoke, project_create


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "id", "created_at")
    search_fields = ("name", "slug")
    inlines = [MembershipInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "organization", "created_at")
    list_filter = ("organization",)
    search_fields = ("name",)
    readonly_fields = ("id",)
    fields = ("id", "organization", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("id", "organization") if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None else ("organization", "name")

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # Through the service: the project and its default environment share one id.
        created = project_create(
            organization=form.cleaned_data["organization"], name=form.cleaned_data["name"]
        )
        obj.__dict__.update(created.__dict__)


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "id", "project", "api_token", "session_recording_retention_days")
    search_fields = ("name", "slug", "api_token")
    readonly_fields = ("api_token",)

    def save_model(self, request: HttpRequest, obj: Environment, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "session_recording_retention_days" in form.changed_data:
            environment_retention_changed(environment=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "level", "joined_at")
    list_filter = ("level",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "is_email_verified", "role_at_organization")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "current_environment")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


def _environment_choices() -> list[tuple[int, str]]:
    return [
        (environment.id, f"{environment.project.organization.name} / {environment}")
        for environment in Environment.objects.select_related("project__organization").order_by("id")
    ]


def _organization_choices() -> list[tuple[str, str]]:
    return [
        (str(organization.id), organization.name) for organization in Organization.objects.order_by("name")
    ]


class PersonalAPIKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=[(scope, scope) for scope in ALL_SCOPES])
    scoped_teams = forms.TypedMultipleChoiceField(
        choices=_environment_choices,
        coerce=int,
        required=False,
        label="Scoped environments",
        help_text="Empty: every environment the user can reach.",
    )
    scoped_organizations = forms.MultipleChoiceField(
        choices=_organization_choices,
        required=False,
        help_text="Empty: every organization the user belongs to.",
    )

    class Meta:
        model = PersonalAPIKey
        fields = ("user", "label", "scopes", "scoped_teams", "scoped_organizations", "expires_at")


class KeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "active"), ("revoked", "revoked"), ("expired", "expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PersonalAPIKey]) -> QuerySet[PersonalAPIKey]:
        now = timezone.now()
        expired = Q(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(expired)
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).exclude(expired)
        return queryset


@admin.register(PersonalAPIKey)
class PersonalAPIKeyAdmin(admin.ModelAdmin):
    form = PersonalAPIKeyForm
    list_display = (
        "label",
        "user",
        "mask_value",
        "key_status",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
    )
    list_filter = (KeyStatusFilter, "created_at", "last_used_at", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("label", "user__email", "mask_value")
    readonly_fields = ("mask_value", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    actions = ("revoke_keys",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, "user")

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoke instead: the row stays, marked revoked
        return actions

    @admin.display(description="Status")
    def key_status(self, obj: PersonalAPIKey) -> str:
        return obj.status()

    @admin.action(
        description="Revoke the selected keys (they answer 401 from now on)", permissions=["change"]
    )
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[PersonalAPIKey]) -> None:
        revoked = personal_api_keys_revoke(keys=list(queryset))
        self.message_user(request, f"Revoked {revoked} key(s).", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: PersonalAPIKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = personal_api_key_create(
            user=form.cleaned_data["user"],
            label=form.cleaned_data["label"],
            scopes=form.cleaned_data["scopes"],
            scoped_teams=form.cleaned_data.get("scoped_teams") or [],
            scoped_organizations=form.cleaned_data.get("scoped_organizations") or [],
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.__dict__.update(created.key.__dict__)
        messages.warning(
            request,
            f"Personal API key created: {created.plaintext} — copy it now, it will not be shown again.",
        )


@admin.register(SentryClientKey)
class SentryClientKeyAdmin(admin.ModelAdmin):
    """Sentry client keys: the DSN to configure an SDK with; deactivate instead of deleting."""

    list_display = ("label", "environment", "public_key", "dsn", "is_active", "created_at")
    list_filter = ("is_active", "environment")
    search_fields = ("label", "public_key")
    readonly_fields = ("public_key", "secret_key", "dsn", "created_at")
    fields = ("environment", "label", "is_active", "public_key", "secret_key", "dsn", "created_at")
    actions = ["deactivate"]

    @admin.display(description="DSN")
    def dsn(self, key: SentryClientKey) -> str:
        return sentry_dsn(key=key, site_url=settings.SITE_URL) if key.pk else "(shown once saved)"

    @admin.action(description="Deactivate the selected keys (their SDKs are refused with 403)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[SentryClientKey]) -> None:
        for key in queryset.filter(is_active=True):
            key.is_active = False
            key.save(update_fields=["is_active"])  # post_save: every process drops its key cache
        self.message_user(request, "The keys are deactivated.", messages.SUCCESS)

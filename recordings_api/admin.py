"""Operators' admin for tenants, users, memberships and personal API keys.

A key created here is generated server-side; its plaintext is shown once, in the success
message after saving, and is not recoverable afterwards (only its hash is stored).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from recordings_api.models import Environment, Membership, Organization, PersonalAPIKey, Project, User
from recordings_api.scopes import ALL_SCOPES
from recordings_api.services import personal_api_key_create


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "organization", "created_at")
    search_fields = ("name",)
    readonly_fields = ("id",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Projects come with their default environment; create them with bootstrap_demo or the service.
        return False


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "project", "api_token", "session_recording_retention_days")
    search_fields = ("name", "api_token")
    readonly_fields = ("api_token",)


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


class PersonalAPIKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=[(scope, scope) for scope in ALL_SCOPES])

    class Meta:
        model = PersonalAPIKey
        fields = ("user", "label", "scopes", "scoped_teams", "scoped_organizations")


@admin.register(PersonalAPIKey)
class PersonalAPIKeyAdmin(admin.ModelAdmin):
    form = PersonalAPIKeyForm
    list_display = ("label", "user", "mask_value", "scopes", "created_at", "last_used_at")
    search_fields = ("label", "user__email", "mask_value")
    readonly_fields = ("mask_value", "created_at", "last_used_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, "user")

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
        )
        obj.__dict__.update(created.key.__dict__)
        messages.warning(
            request,
            f"Personal API key created: {created.plaintext} — copy it now, it will not be shown again.",
        )

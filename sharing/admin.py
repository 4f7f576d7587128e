"""Admin: the shared recordings, with enable / disable / rotate actions.

Only current configurations are listed (rotated-out ones are history). Rows are read-only;
changes go through the same services as the API so the invariants hold (one current
configuration, disabling ends grace periods, enabling persists the recording).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from sharing.models import SharingConfiguration
from sharing.selectors import shared_configurations_list
from sharing.services import sharing_configuration_refresh, sharing_configuration_set_enabled


@admin.register(SharingConfiguration)
class SharingConfigurationAdmin(admin.ModelAdmin):
    list_display = ("session_id", "environment", "enabled", "created_at", "created_by", "public_link")
    list_filter = ("enabled",)
    search_fields = ("recording__session_id",)
    readonly_fields = (
        "environment",
        "recording",
        "created_at",
        "created_by",
        "enabled",
        "access_token",
        "expires_at",
        "settings",
        "password_required",
    )
    actions = ("enable_sharing", "disable_sharing", "rotate_token")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SharingConfiguration]:
        return shared_configurations_list()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Recording", ordering="recording__session_id")
    def session_id(self, obj: SharingConfiguration) -> str:
        return obj.recording.session_id

    @admin.display(description="Public page")
    def public_link(self, obj: SharingConfiguration) -> str:
        if not obj.enabled:
            return "—"
        url = reverse("shared_recording", kwargs={"token": obj.access_token})
        return format_html('<a href="{}" target="_blank" rel="noreferrer">open</a>', url)

    @admin.action(description="Enable sharing of the selected recordings", permissions=["change"])
    def enable_sharing(self, request: HttpRequest, queryset: QuerySet[SharingConfiguration]) -> None:
        for configuration in queryset:
            sharing_configuration_set_enabled(configuration=configuration, enabled=True)
        self.message_user(request, f"Enabled sharing of {len(queryset)} recording(s).", messages.SUCCESS)

    @admin.action(description="Disable sharing of the selected recordings", permissions=["change"])
    def disable_sharing(self, request: HttpRequest, queryset: QuerySet[SharingConfiguration]) -> None:
        for configuration in queryset:
            sharing_configuration_set_enabled(configuration=configuration, enabled=False)
        self.message_user(request, f"Disabled sharing of {len(queryset)} recording(s).", messages.SUCCESS)

    @admin.action(description="Rotate the sharing token of the selected recordings", permissions=["change"])
    def rotate_token(self, request: HttpRequest, queryset: QuerySet[SharingConfiguration]) -> None:
        user = request.user if request.user.is_authenticated else None
        for configuration in queryset:
            sharing_configuration_refresh(recording=configuration.recording, user=user)
        self.message_user(request, f"Rotated {len(queryset)} token(s).", messages.SUCCESS)

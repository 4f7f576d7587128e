"""Operators' admin for playlists and their pinned recordings.

Soft-deleted playlists are listed too (filter on ``deleted``) so an operator can restore one;
items are edited inline with raw id widgets, since an environment may hold millions of recordings.
"""

from __future__ import annotations

from typing import cast

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from playlists.models import SavedFiltersMatch, SessionRecordingPlaylist, SessionRecordingPlaylistItem
from playlists.services import playlist_update
from recordings_api.models import User


class SessionRecordingPlaylistItemInline(admin.TabularInline):
    model = SessionRecordingPlaylistItem
    extra = 0
    raw_id_fields = ("recording",)
    readonly_fields = ("created_at",)


class SavedFiltersMatchInline(admin.StackedInline):
    model = SavedFiltersMatch
    extra = 0
    can_delete = True
    readonly_fields = ("session_ids", "has_more", "previous_count", "refreshed_at")

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False  # written by the periodic refresh only


@admin.register(SessionRecordingPlaylist)
class SessionRecordingPlaylistAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "name",
        "type",
        "environment",
        "pinned",
        "deleted",
        "item_count",
        "last_modified_at",
    )
    list_filter = ("type", "pinned", "deleted")
    search_fields = ("short_id", "name", "derived_name", "description")
    raw_id_fields = ("environment", "created_by", "last_modified_by")
    readonly_fields = ("short_id", "created_at")
    inlines = [SessionRecordingPlaylistItemInline, SavedFiltersMatchInline]
    actions = ["restore_playlists"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SessionRecordingPlaylist]:
        return (
            super().get_queryset(request).select_related("environment").annotate(_item_count=Count("items"))
        )

    @admin.action(description="Restore the selected (soft-deleted) playlists")
    def restore_playlists(self, request: HttpRequest, queryset: QuerySet[SessionRecordingPlaylist]) -> None:
        restored = 0
        for playlist in queryset.filter(deleted=True).select_related("environment"):
            playlist_update(playlist=playlist, user=cast(User, request.user), changes={"deleted": False})
            restored += 1
        self.message_user(request, f"Restored {restored} playlist(s).")

    @admin.display(description="Pinned recordings", ordering="_item_count")
    def item_count(self, playlist: SessionRecordingPlaylist) -> int:
        return getattr(playlist, "_item_count", 0)


@admin.register(SessionRecordingPlaylistItem)
class SessionRecordingPlaylistItemAdmin(admin.ModelAdmin):
    list_display = ("playlist", "recording", "created_at")
    search_fields = ("playlist__short_id", "playlist__name", "recording__session_id")
    raw_id_fields = ("playlist", "recording")
    readonly_fields = ("created_at",)
    list_select_related = ("playlist", "recording")

"""Playlists of session recordings: collections (pinned recordings) and saved filters.

A ``collection`` holds recordings pinned one by one (``SessionRecordingPlaylistItem``); a
``filters`` playlist stores recordings filters and matches whatever recordings satisfy them.
Playlists are never hard-deleted through the API: ``deleted`` hides them and a PATCH brings them
back. ``SavedFiltersMatch`` caches the latest evaluation of a filters playlist (written by the
periodic refresh, read by ``recordings_counts``).
"""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.db import models
from django.utils import timezone

from recordings.models import SessionRecording
from recordings_api.models import Environment

SHORT_ID_ALPHABET = string.ascii_letters + string.digits
SHORT_ID_LENGTH = 8


def generate_short_id() -> str:
    """8 random ``[A-Za-z0-9]`` characters (≈ 47 bits), unique per environment by constraint."""
    return "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(SHORT_ID_LENGTH))


class SessionRecordingPlaylist(models.Model):
    class PlaylistType(models.TextChoices):
        COLLECTION = "collection"
        FILTERS = "filters"

    # Changes to these move last_modified_at/by; pinning, renaming the derived name or
    # (un)deleting do not.
    MATERIAL_FIELDS = frozenset({"name", "description", "filters"})

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="playlists")
    short_id = models.CharField(max_length=12, default=generate_short_id)
    name = models.CharField(max_length=400, null=True, blank=True)
    derived_name = models.CharField(max_length=400, null=True, blank=True)
    description = models.TextField(blank=True, default="")
    pinned = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    filters = models.JSONField(default=dict, blank=True)
    type = models.CharField(max_length=16, choices=PlaylistType.choices, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_modified_at = models.DateTimeField(default=timezone.now)
    last_modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "short_id"], name="unique_playlist_short_id"),
        ]
        indexes = [
            models.Index(
                fields=["environment", "deleted", "-last_modified_at"], name="playlist_env_modified"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.derived_name or self.short_id


class SessionRecordingPlaylistItem(models.Model):
    """A recording pinned to a collection; removing it deletes the row (no soft delete)."""

    playlist = models.ForeignKey(SessionRecordingPlaylist, on_delete=models.CASCADE, related_name="items")
    recording = models.ForeignKey(SessionRecording, on_delete=models.CASCADE, related_name="playlist_items")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["playlist", "recording"], name="unique_playlist_item"),
        ]
        indexes = [models.Index(fields=["playlist", "-created_at"], name="playlist_item_recent")]

    def __str__(self) -> str:
        return f"{self.playlist_id}:{self.recording_id}"


class SessionRecordingPlaylistViewed(models.Model):
    """A user opened a playlist (PostHog's ``playlist_viewed``), one row per view."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    playlist = models.ForeignKey(SessionRecordingPlaylist, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "playlist", "viewed_at"], name="unique_playlist_view")
        ]
        indexes = [models.Index(fields=["playlist", "user", "-viewed_at"], name="playlist_view_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.playlist_id} at {self.viewed_at}"


class SavedFiltersMatch(models.Model):
    """The latest evaluation of a filters playlist.

    ``session_ids`` holds at most ``SAVED_FILTERS_MATCH_LIMIT`` matching sessions (newest first);
    ``has_more`` says the filters matched more. ``previous_count`` is how many the refresh before
    this one found (null on the first refresh), which drives ``increased``.
    """

    playlist = models.OneToOneField(
        SessionRecordingPlaylist, on_delete=models.CASCADE, related_name="filters_match"
    )
    session_ids = models.JSONField(default=list, blank=True)
    has_more = models.BooleanField(default=False)
    previous_count = models.PositiveIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["refreshed_at"], name="saved_filters_refreshed")]

    def __str__(self) -> str:
        return f"{self.playlist_id}: {len(self.session_ids)}{'+' if self.has_more else ''}"

    @property
    def count(self) -> int:
        return len(self.session_ids)

    @property
    def increased(self) -> bool:
        return self.previous_count is not None and self.count > self.previous_count

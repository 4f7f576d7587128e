"""Celery tasks of playlists: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from playlists.saved_filters import REFRESH_BATCH, REFRESH_MIN_AGE, saved_filters_match_refresh
from playlists.selectors import playlists_due_for_refresh


@shared_task(name="playlists.tasks.refresh_saved_filters_counts")
def refresh_saved_filters_counts() -> int:
    """Periodic: enqueue a refresh for every filters playlist due one; returns how many."""
    playlist_ids = playlists_due_for_refresh(min_age=REFRESH_MIN_AGE, limit=REFRESH_BATCH)
    for playlist_id in playlist_ids:
        refresh_playlist_saved_filters_count.delay(playlist_id)
    return len(playlist_ids)


@shared_task(name="playlists.tasks.refresh_playlist_saved_filters_count")
def refresh_playlist_saved_filters_count(playlist_id: int) -> None:
    saved_filters_match_refresh(playlist_id=playlist_id)

"""Keeping ``recordings_counts.saved_filters`` fresh: evaluate a filters playlist, store the result.

The periodic task ``playlists.tasks.refresh_saved_filters_counts`` (every 300 s in
``CELERY_BEAT_SCHEDULE``) picks the filters playlists whose last evaluation is older than
``REFRESH_MIN_AGE`` and refreshes each one in its own task, so the work spreads over workers.
A refresh stores at most ``SAVED_FILTERS_MATCH_LIMIT`` matching session ids (``has_more`` says
there were more) and the previous count, from which ``increased`` is derived. Stored filters
that the recordings filters reject are logged and left unrefreshed, never an error loop.

In embedded mode (no broker) the web process runs the same schedule itself
(``recordings_api.scheduler``): counts are refreshed the same way, never by a read.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from playlists.models import SavedFiltersMatch, SessionRecordingPlaylist
from playlists.selectors import playlists_due_for_refresh
from recordings.filters.universal import universal_filters_to_params
from recordings.selectors import session_recordings_filter

logger = logging.getLogger(__name__)

SAVED_FILTERS_MATCH_LIMIT = 100
REFRESH_MIN_AGE = timedelta(seconds=240)
REFRESH_BATCH = 1000


def saved_filters_match_refresh(*, playlist_id: int) -> SavedFiltersMatch | None:
    """Re-evaluate one live filters playlist; None when it is gone, deleted, not filters or invalid."""
    playlist = (
        SessionRecordingPlaylist.objects.select_related("environment")
        .filter(id=playlist_id, type=SessionRecordingPlaylist.PlaylistType.FILTERS, deleted=False)
        .first()
    )
    if playlist is None:
        return None
    try:
        filters = universal_filters_to_params(playlist.filters or {})
        matches = session_recordings_filter(environment=playlist.environment, filters=filters)
        session_ids = list(matches.values_list("session_id", flat=True)[: SAVED_FILTERS_MATCH_LIMIT + 1])
    except (ValidationError, DjangoValidationError, ValueError) as error:
        logger.warning(
            "saved_filters_refresh_invalid_filters",
            extra={"playlist_id": playlist.id, "short_id": playlist.short_id, "error": str(error)},
        )
        return None
    previous = SavedFiltersMatch.objects.filter(playlist=playlist).first()
    match, _ = SavedFiltersMatch.objects.update_or_create(
        playlist=playlist,
        defaults={
            "session_ids": session_ids[:SAVED_FILTERS_MATCH_LIMIT],
            "has_more": len(session_ids) > SAVED_FILTERS_MATCH_LIMIT,
            "previous_count": previous.count if previous else None,
            "refreshed_at": timezone.now(),
        },
    )
    logger.info(
        "saved_filters_refreshed",
        extra={"playlist_id": playlist.id, "count": match.count, "has_more": match.has_more},
    )
    return match


def saved_filters_match_forget(*, playlist: SessionRecordingPlaylist) -> None:
    """Drop the stored evaluation (its filters changed): counts read null until the next refresh."""
    SavedFiltersMatch.objects.filter(playlist=playlist).delete()


def saved_filters_refresh_due(*, limit: int) -> int:
    """Refresh up to ``limit`` due filters playlists now, in this process, oldest first; returns
    how many were due."""
    playlist_ids = playlists_due_for_refresh(min_age=REFRESH_MIN_AGE, limit=limit)
    for playlist_id in playlist_ids:
        saved_filters_match_refresh(playlist_id=playlist_id)
    return len(playlist_ids)

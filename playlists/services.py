"""Writes of playlists: create, update (incl. soft delete/restore), pin and unpin recordings.

Type rules (PostHog's): a playlist's ``type`` is fixed at creation; a ``collection`` never
carries filters and a ``filters`` playlist always does, so every PATCH/PUT of a filters playlist
must send non-empty ``filters`` (400 otherwise, as PostHog answers; its front end always resends
them). Filters are stored as sent, PostHog's UI format (``filter_group``) included.

Pinning only accepts recordings of the playlist's own environment (404 otherwise) and marks the
recording for long-term storage (``recordings.services.session_recording_persist``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from playlists.models import (
    SessionRecordingPlaylist,
    SessionRecordingPlaylistItem,
    SessionRecordingPlaylistViewed,
    generate_short_id,
)
from playlists.saved_filters import saved_filters_match_forget
from playlists.tasks import refresh_playlist_saved_filters_count
from recordings.filters.params import MAX_SESSION_IDS
from recordings.filters.universal import universal_filters_to_params
from recordings.models import SessionRecording
from recordings.selectors import (
    session_recording_find,
    session_recordings_filter,
    session_recordings_visible,
)
from recordings.services import session_recording_persist
from recordings_api.lookups import lookup_value_is_storable
from recordings_api.models import Environment, User

logger = logging.getLogger(__name__)

PlaylistType = SessionRecordingPlaylist.PlaylistType
_SHORT_ID_ATTEMPTS = 5
SESSION_ID_MAX_LENGTH: int = SessionRecording._meta.get_field("session_id").max_length or 0


def _enqueue_saved_filters_refresh(playlist: SessionRecordingPlaylist) -> None:
    if playlist.type != PlaylistType.FILTERS or playlist.deleted:
        return
    playlist_id = playlist.id
    transaction.on_commit(lambda: refresh_playlist_saved_filters_count.delay(playlist_id))


def _check_type_rules(*, playlist_type: str, filters: dict[str, Any] | None, creating: bool) -> None:
    if playlist_type == PlaylistType.COLLECTION and filters:
        message = "You cannot create a collection with filters"
        if not creating:
            message = "You cannot update a collection to add filters"
        raise ValidationError({"filters": [message]})
    if playlist_type == PlaylistType.FILTERS and filters is not None and not filters:
        message = "You must provide a valid filters when creating a saved filter"
        if not creating:
            message = "You cannot remove all filters when updating a saved filter"
        raise ValidationError({"filters": [message]})


def _check_filters_evaluable(*, environment: Environment, filters: Mapping[str, Any] | None) -> None:
    """Stored filters must be ones the recordings list accepts, query language included (400,
    ``attr`` ``filters__<param>``). Building the queryset compiles them without running it.
    PostHog's UI format (``filter_group``) is checked as the parameters it translates to."""
    if not filters:
        return
    try:
        session_recordings_filter(environment=environment, filters=universal_filters_to_params(filters))
    except ValidationError as error:
        raise ValidationError({"filters": error.detail}) from None


def playlist_create(
    *, environment: Environment, user: User, type: str, fields: Mapping[str, Any]
) -> SessionRecordingPlaylist:
    """A new playlist created by ``user``; 400 when ``fields`` break the type rules.

    ``short_id`` is drawn at random; a collision with an existing playlist of the environment
    (about 1 in 2e14 per pair) is retried with a fresh id.
    """
    filters = fields.get("filters") or {}
    _check_type_rules(playlist_type=type, filters=filters, creating=True)
    _check_filters_evaluable(environment=environment, filters=filters)
    for attempt in range(_SHORT_ID_ATTEMPTS):
        try:
            with transaction.atomic():
                playlist = SessionRecordingPlaylist.objects.create(
                    environment=environment,
                    short_id=generate_short_id(),
                    type=type,
                    created_by=user,
                    last_modified_by=user,
                    **{**fields, "filters": filters},
                )
        except IntegrityError:
            if attempt == _SHORT_ID_ATTEMPTS - 1:
                raise
            continue
        break
    logger.info("playlist_created", extra={"environment_id": environment.id, "short_id": playlist.short_id})
    _enqueue_saved_filters_refresh(playlist)
    return playlist


def playlist_update(
    *, playlist: SessionRecordingPlaylist, user: User, changes: Mapping[str, Any]
) -> SessionRecordingPlaylist:
    """Apply ``changes`` (validated writable fields) to ``playlist``.

    ``last_modified_at``/``by`` move only when a material field (name, description, filters)
    actually changes. ``{"deleted": true}`` hides the playlist; ``{"deleted": false}`` restores it.
    """
    filters = changes.get("filters")
    if playlist.type == PlaylistType.FILTERS and filters is None:
        filters = {}  # not sent: PostHog refuses it like removing them
    _check_type_rules(playlist_type=playlist.type or "", filters=filters, creating=False)
    _check_filters_evaluable(environment=playlist.environment, filters=changes.get("filters"))
    changed = [name for name, value in changes.items() if getattr(playlist, name) != value]
    for name in changed:
        setattr(playlist, name, changes[name])
    if SessionRecordingPlaylist.MATERIAL_FIELDS.intersection(changed):
        playlist.last_modified_at = timezone.now()
        playlist.last_modified_by = user
        changed += ["last_modified_at", "last_modified_by"]
    if changed:
        playlist.save(update_fields=changed)
        logger.info("playlist_updated", extra={"short_id": playlist.short_id, "fields": changed})
    if "filters" in changed:
        saved_filters_match_forget(playlist=playlist)
    if "filters" in changed or ("deleted" in changed and not playlist.deleted):
        _enqueue_saved_filters_refresh(playlist)
    return playlist


def _check_capacity(*, playlist: SessionRecordingPlaylist, adding: Sequence[str]) -> None:
    """A collection lists its recordings through the recordings filters, which take at most
    ``MAX_SESSION_IDS`` session ids; pinning beyond that is refused rather than silently truncated."""
    pinned = SessionRecordingPlaylistItem.objects.filter(playlist=playlist)
    new = len(adding) - pinned.filter(recording__session_id__in=adding).count()
    if new > 0 and pinned.count() + new > MAX_SESSION_IDS:
        raise ValidationError(f"A collection holds at most {MAX_SESSION_IDS} recordings; unpin some first.")


def _reject_filters_playlist(playlist: SessionRecordingPlaylist) -> None:
    if playlist.type == PlaylistType.FILTERS:
        raise ValidationError("Cannot add recordings to a playlist that is type 'filters'.")


def _pin(*, playlist: SessionRecordingPlaylist, recording: SessionRecording) -> bool:
    _, created = SessionRecordingPlaylistItem.objects.get_or_create(playlist=playlist, recording=recording)
    session_recording_persist(recording=recording)
    return created


def playlist_add_recording(*, playlist: SessionRecordingPlaylist, session_id: str) -> bool:
    """Pin one recording (idempotent); True when it was not pinned before.

    400 for a ``filters`` playlist; 404 when the environment has no such (undeleted) recording.
    """
    _reject_filters_playlist(playlist)
    recording = session_recording_find(environment=playlist.environment, session_id=session_id)
    if recording is None:
        raise NotFound("Recording not found.")
    _check_capacity(playlist=playlist, adding=[session_id])
    created = _pin(playlist=playlist, recording=recording)
    logger.info("playlist_recording_added", extra={"short_id": playlist.short_id, "session_id": session_id})
    return created


def playlist_remove_recording(*, playlist: SessionRecordingPlaylist, session_id: str) -> None:
    """Unpin one recording; 404 when it is not pinned to ``playlist``."""
    deleted = 0
    if lookup_value_is_storable(session_id, max_length=SESSION_ID_MAX_LENGTH):
        deleted, _ = SessionRecordingPlaylistItem.objects.filter(
            playlist=playlist, recording__session_id=session_id
        ).delete()
    if not deleted:
        raise NotFound("This recording is not in the playlist.")
    logger.info("playlist_recording_removed", extra={"short_id": playlist.short_id, "session_id": session_id})


@dataclass(frozen=True)
class BulkAddResult:
    added_count: int
    total_requested: int
    not_found: list[str]


def playlist_add_recordings(
    *, playlist: SessionRecordingPlaylist, session_ids: Sequence[str]
) -> BulkAddResult:
    """Pin each recording that exists in the playlist's environment; unknown ids are skipped and reported."""
    _reject_filters_playlist(playlist)
    recordings = {
        recording.session_id: recording
        for recording in session_recordings_visible(environment=playlist.environment).filter(
            session_id__in=session_ids
        )
    }
    _check_capacity(playlist=playlist, adding=list(recordings))
    added = 0
    with transaction.atomic():
        for session_id in session_ids:
            if session_id in recordings:
                added += int(_pin(playlist=playlist, recording=recordings[session_id]))
    not_found = [session_id for session_id in session_ids if session_id not in recordings]
    logger.info(
        "playlist_recordings_bulk_added",
        extra={"short_id": playlist.short_id, "added_count": added, "not_found_count": len(not_found)},
    )
    return BulkAddResult(added_count=added, total_requested=len(session_ids), not_found=not_found)


def playlist_remove_recordings(*, playlist: SessionRecordingPlaylist, session_ids: Sequence[str]) -> int:
    """Unpin the given recordings; ids that were not pinned are ignored. Returns how many were unpinned."""
    deleted, _ = SessionRecordingPlaylistItem.objects.filter(
        playlist=playlist, recording__session_id__in=session_ids
    ).delete()
    logger.info(
        "playlist_recordings_bulk_removed", extra={"short_id": playlist.short_id, "deleted_count": deleted}
    )
    return deleted


def playlist_viewed_record(
    *, playlist: SessionRecordingPlaylist, user: User
) -> SessionRecordingPlaylistViewed:
    """Record that ``user`` opened ``playlist`` now (PostHog's ``playlist_viewed``)."""
    view, _ = SessionRecordingPlaylistViewed.objects.get_or_create(
        environment_id=playlist.environment_id, playlist=playlist, user=user, viewed_at=timezone.now()
    )
    return view

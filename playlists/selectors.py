"""Reads of playlists: list filters and ordering, ``recordings_counts``, due refreshes.

Every function takes an environment-scoped queryset or an ``environment`` and never reaches
across environments. ``playlist_recordings_counts`` answers a whole page in a fixed number of
queries, whatever the page size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

from playlists.models import SavedFiltersMatch, SessionRecordingPlaylist, SessionRecordingPlaylistItem
from recordings.filters import query_params_decode
from recordings.filters.universal import universal_filters_to_params
from recordings.models import SessionRecordingViewed
from recordings_api.lookups import lookup_value_is_storable
from recordings_api.models import Environment, User

PLAYLIST_ORDERINGS = (
    "last_modified_at",
    "-last_modified_at",
    "created_at",
    "-created_at",
    "name",
    "-name",
)
DEFAULT_ORDERING = "-last_modified_at"
# Bound on the parameters of one IN (...) query (SQLite allows 32766, PostgreSQL 65535).
_IN_CHUNK = 1000


def playlist_get(
    *, queryset: QuerySet[SessionRecordingPlaylist], short_id: str
) -> SessionRecordingPlaylist | None:
    """The playlist ``short_id`` of an environment-scoped ``queryset``, or None."""
    max_length = SessionRecordingPlaylist._meta.get_field("short_id").max_length or 0
    if not lookup_value_is_storable(short_id, max_length=max_length):
        return None
    return queryset.filter(short_id=short_id).first()


def playlist_list_filter(
    *, queryset: QuerySet[SessionRecordingPlaylist], user: Any, params: Mapping[str, Any]
) -> QuerySet[SessionRecordingPlaylist]:
    """``queryset`` narrowed by the validated list parameters and ordered.

    ``user=true`` keeps the requester's playlists; ``pinned`` true/false keeps pinned/unpinned;
    ``date_from``/``date_to`` compare strictly with ``last_modified_at``; ``search`` matches name
    or derived name (case-insensitive); ``session_recording_id`` keeps playlists pinning it.
    """
    queryset = _filter_by_people(queryset, user=user, params=params)
    if params.get("type"):
        queryset = queryset.filter(type=params["type"])
    if params.get("pinned") is not None:
        queryset = queryset.filter(pinned=params["pinned"])
    if params.get("date_from"):
        queryset = queryset.filter(last_modified_at__gt=params["date_from"])
    if params.get("date_to"):
        queryset = queryset.filter(last_modified_at__lt=params["date_to"])
    if params.get("search"):
        term = params["search"]
        queryset = queryset.filter(Q(name__icontains=term) | Q(derived_name__icontains=term))
    if params.get("session_recording_id"):
        pinned = SessionRecordingPlaylistItem.objects.filter(
            playlist=OuterRef("pk"), recording__session_id=params["session_recording_id"]
        )
        queryset = queryset.filter(Exists(pinned))
    if params.get("short_id"):
        queryset = queryset.filter(short_id=params["short_id"])
    return playlist_order(queryset=queryset, order=params.get("order") or DEFAULT_ORDERING)


def _filter_by_people(
    queryset: QuerySet[SessionRecordingPlaylist], *, user: Any, params: Mapping[str, Any]
) -> QuerySet[SessionRecordingPlaylist]:
    if params.get("created_by"):
        queryset = queryset.filter(created_by_id=params["created_by"])
    if params.get("user"):
        queryset = queryset.filter(created_by_id=user.pk)
    return queryset


def playlist_order(
    *, queryset: QuerySet[SessionRecordingPlaylist], order: str
) -> QuerySet[SessionRecordingPlaylist]:
    """Order by an allow-listed field; ``name`` is case-insensitive and falls back to derived_name."""
    if order not in PLAYLIST_ORDERINGS:
        raise ValueError(f"Unsupported playlist ordering {order!r}")
    descending = order.startswith("-")
    field = order.lstrip("-")
    if field == "name":
        queryset = queryset.annotate(
            _sort_name=Lower(Coalesce(NullIf(F("name"), Value("")), F("derived_name"), Value("")))
        )
        field = "_sort_name"
    # The id breaks ties so pages never overlap.
    return queryset.order_by(f"-{field}" if descending else field, "-id" if descending else "id")


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _viewed_session_ids(*, environment: Environment, user: Any, session_ids: Sequence[str]) -> set[str]:
    viewed: set[str] = set()
    if not session_ids or not getattr(user, "is_authenticated", False):
        return viewed
    for chunk in _chunks(session_ids):
        viewed.update(
            SessionRecordingViewed.objects.filter(
                environment=environment, user_id=user.pk, session_id__in=chunk
            ).values_list("session_id", flat=True)
        )
    return viewed


def _collection_counts(
    *, environment: Environment, user: Any, playlist_ids: list[int]
) -> dict[int, dict[str, Any]]:
    items = SessionRecordingPlaylistItem.objects.filter(playlist_id__in=playlist_ids)
    totals = dict(items.values("playlist_id").annotate(n=Count("id")).values_list("playlist_id", "n"))
    watched: dict[int, int] = {}
    if getattr(user, "is_authenticated", False):
        viewed = SessionRecordingViewed.objects.filter(
            environment=environment, user_id=user.pk, session_id=OuterRef("recording__session_id")
        )
        watched = dict(
            items.filter(Exists(viewed))
            .values("playlist_id")
            .annotate(n=Count("id"))
            .values_list("playlist_id", "n")
        )
    return {
        playlist_id: {"count": totals.get(playlist_id) or None, "watched_count": watched.get(playlist_id, 0)}
        for playlist_id in playlist_ids
    }


def _empty_saved_filters() -> dict[str, Any]:
    return {
        "count": None,
        "has_more": None,
        "watched_count": None,
        "increased": None,
        "last_refreshed_at": None,
    }


def _saved_filters_counts(match: SavedFiltersMatch, viewed: set[str]) -> dict[str, Any]:
    return {
        "count": match.count,
        "has_more": match.has_more,
        "watched_count": sum(1 for session_id in match.session_ids if session_id in viewed),
        "increased": match.increased,
        "last_refreshed_at": match.refreshed_at,
    }


def playlist_recordings_counts(
    *, environment: Environment, user: User | Any, playlists: Sequence[SessionRecordingPlaylist]
) -> dict[int, dict[str, Any]]:
    """``recordings_counts`` per playlist id, as PostHog renders it.

    ``collection.count`` is the number of pinned recordings, null when there are none;
    ``watched_count`` counts those ``user`` has viewed. ``saved_filters`` is filled only for a
    playlist without pinned recordings that has been refreshed at least once; until then every
    value in it is null.
    """
    playlist_ids = [playlist.id for playlist in playlists]
    if not playlist_ids:
        return {}
    collection = _collection_counts(environment=environment, user=user, playlist_ids=playlist_ids)
    unpinned = [playlist_id for playlist_id in playlist_ids if collection[playlist_id]["count"] is None]
    matches = {
        match.playlist_id: match for match in SavedFiltersMatch.objects.filter(playlist_id__in=unpinned)
    }
    matched_ids = sorted({session_id for match in matches.values() for session_id in match.session_ids})
    viewed = _viewed_session_ids(environment=environment, user=user, session_ids=matched_ids)
    return {
        playlist_id: {
            "collection": collection[playlist_id],
            "saved_filters": (
                _saved_filters_counts(matches[playlist_id], viewed)
                if playlist_id in matches
                else _empty_saved_filters()
            ),
        }
        for playlist_id in playlist_ids
    }


def playlist_pinned_session_ids(*, playlist: SessionRecordingPlaylist) -> list[str]:
    """Session ids pinned to ``playlist``, most recently pinned first."""
    return list(
        SessionRecordingPlaylistItem.objects.filter(playlist=playlist)
        .order_by("-created_at", "-id")
        .values_list("recording__session_id", flat=True)
    )


def playlist_recordings_filters(
    *, playlist: SessionRecordingPlaylist, query_params: Mapping[str, str]
) -> dict[str, Any]:
    """The recordings filters that list ``playlist``'s recordings, from the request's parameters.

    Parameters are JSON-decoded when they parse (``limit=10`` → 10, ``session_ids=[..]`` → list),
    else kept as strings. A collection lists exactly its pinned recordings whatever their date
    (``session_ids`` forced, the date window dropped); a filters playlist lists what its stored
    filters match, the stored filters overriding request parameters of the same name.
    """
    filters = query_params_decode(query_params)
    if playlist.type == SessionRecordingPlaylist.PlaylistType.FILTERS:
        return {**filters, **universal_filters_to_params(playlist.filters or {})}
    filters.pop("date_from", None)
    filters.pop("date_to", None)
    filters["session_ids"] = playlist_pinned_session_ids(playlist=playlist)
    return filters


def playlists_due_for_refresh(*, min_age: timedelta, limit: int, now: datetime | None = None) -> list[int]:
    """Ids of live ``filters`` playlists never refreshed or refreshed over ``min_age`` ago, oldest first."""
    cutoff = (now or timezone.now()) - min_age
    due = (
        SessionRecordingPlaylist.objects.filter(
            type=SessionRecordingPlaylist.PlaylistType.FILTERS, deleted=False
        )
        .filter(Q(filters_match__isnull=True) | Q(filters_match__refreshed_at__lt=cutoff))
        .order_by(F("filters_match__refreshed_at").asc(nulls_first=True), "id")
    )
    return list(due.values_list("id", flat=True)[:limit])

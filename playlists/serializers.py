"""Input and output serializers of the playlists API.

Output (``SessionRecordingPlaylistSerializer``) is read-only and renders PostHog's playlist
object; inputs validate request shapes only. The rules that depend on a playlist's type (a
collection cannot carry filters, a saved filter needs them) live in ``playlists.services``; the
document states them (``PLAYLIST_CREATE_BODY``, the fields of ``playlists.openapi``).
``recordings_counts`` is computed for a whole page at once (``playlist_recordings_counts``) and
kept in the serializer context, so a list costs a fixed number of queries.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from playlists.models import SessionRecordingPlaylist
from playlists.openapi import (
    CollectionTypeField,
    NoFiltersField,
    SavedFiltersField,
    SavedFilterTypeField,
    UpdateFiltersField,
)
from playlists.selectors import PLAYLIST_ORDERINGS, playlist_recordings_counts
from recordings.filters.dates import DATE_PATTERN, date_parse
from recordings.views.bodies import SessionIdField
from recordings_api.serializers import UserBasicSerializer
from recordings_api.strict_input import JSONObjectField, PresentTextField, StrictTypesSerializer

MAX_FILTERS_BYTES = 64 * 1024
BULK_MAX_RECORDINGS = 20
INVALID_TYPE_MESSAGE = "Must provide a valid playlist type: either filters or collection"


class CollectionCountsSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        allow_null=True, help_text="Pinned recordings; null when there are none."
    )
    watched_count = serializers.IntegerField(allow_null=True, help_text="Pinned recordings you have watched.")


class SavedFiltersCountsSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        allow_null=True, help_text="Recordings the filters matched at the last refresh."
    )
    has_more = serializers.BooleanField(allow_null=True, help_text="The filters matched more than `count`.")
    watched_count = serializers.IntegerField(
        allow_null=True, help_text="Matched recordings you have watched."
    )
    increased = serializers.BooleanField(
        allow_null=True, help_text="More matches than at the refresh before."
    )
    last_refreshed_at = serializers.DateTimeField(allow_null=True)


class RecordingsCountsSerializer(serializers.Serializer):
    collection = CollectionCountsSerializer()
    saved_filters = SavedFiltersCountsSerializer(
        help_text="Filled only for playlists without pinned recordings; all null until the first refresh."
    )


_DATETIME = serializers.DateTimeField()


class SessionRecordingPlaylistListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[Any]:
        playlists = list(data.all() if hasattr(data, "all") else data)
        _counts_cache(cast(dict[str, Any], self.context)).update(
            _compute_counts(cast(dict[str, Any], self.context), playlists)
        )
        return super().to_representation(playlists)


def _counts_cache(context: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return context.setdefault("recordings_counts", {})


def _compute_counts(context: dict[str, Any], playlists: list[SessionRecordingPlaylist]) -> dict[int, Any]:
    return playlist_recordings_counts(
        environment=context["environment"], user=context["request"].user, playlists=playlists
    )


class SessionRecordingPlaylistSerializer(serializers.ModelSerializer):
    created_by = UserBasicSerializer(read_only=True, allow_null=True)
    last_modified_by = UserBasicSerializer(read_only=True, allow_null=True)
    recordings_counts = serializers.SerializerMethodField()
    filters = serializers.JSONField(read_only=True)

    class Meta:
        model = SessionRecordingPlaylist
        list_serializer_class = SessionRecordingPlaylistListSerializer
        fields = [
            "id",
            "short_id",
            "name",
            "derived_name",
            "description",
            "pinned",
            "created_at",
            "created_by",
            "deleted",
            "filters",
            "last_modified_at",
            "last_modified_by",
            "recordings_counts",
            "type",
        ]
        read_only_fields = fields

    @extend_schema_field(RecordingsCountsSerializer)
    def get_recordings_counts(self, playlist: SessionRecordingPlaylist) -> dict[str, Any]:
        cache = _counts_cache(cast(dict[str, Any], self.context))
        if playlist.id not in cache:
            cache.update(_compute_counts(cast(dict[str, Any], self.context), [playlist]))
        counts: dict[str, Any] = cache[playlist.id]
        refreshed_at = counts["saved_filters"]["last_refreshed_at"]
        if refreshed_at is not None:  # the same format as every other timestamp of the API
            saved_filters = {
                **counts["saved_filters"],
                "last_refreshed_at": _DATETIME.to_representation(refreshed_at),
            }
            counts = {**counts, "saved_filters": saved_filters}
        return counts


class PlaylistFieldsInputSerializer(StrictTypesSerializer):
    """Fields a client may write; unknown keys (``short_id``, ``id``, …) are ignored."""

    name = serializers.CharField(max_length=400, required=False, allow_null=True, allow_blank=True)
    derived_name = serializers.CharField(max_length=400, required=False, allow_null=True, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    pinned = serializers.BooleanField(required=False)
    deleted = serializers.BooleanField(required=False)
    filters = JSONObjectField(
        required=False,
        allow_null=True,
        help_text="Recordings filters (a JSON object). Required and non-empty for `filters` playlists; "
        "must be empty for collections.",
    )

    def validate_filters(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError("filters must be a JSON object.")
        if len(orjson.dumps(value)) > MAX_FILTERS_BYTES:
            raise serializers.ValidationError(f"filters must be at most {MAX_FILTERS_BYTES} bytes of JSON.")
        return value


class PlaylistCreateInputSerializer(PlaylistFieldsInputSerializer):
    type = serializers.ChoiceField(
        choices=SessionRecordingPlaylist.PlaylistType.choices,
        error_messages={
            "required": INVALID_TYPE_MESSAGE,
            "null": INVALID_TYPE_MESSAGE,
            "invalid_choice": INVALID_TYPE_MESSAGE,
        },
        help_text="`collection` (recordings pinned one by one) or `filters` (a saved filter). "
        "Set at creation; later changes are ignored.",
    )


class CollectionCreateInputSerializer(PlaylistCreateInputSerializer):
    """A collection: recordings pinned one by one (``…/recordings/{session_recording_id}/``)."""

    type = CollectionTypeField(choices=[SessionRecordingPlaylist.PlaylistType.COLLECTION.value])
    filters = NoFiltersField(required=False, allow_null=True)


class SavedFilterCreateInputSerializer(PlaylistCreateInputSerializer):
    """A saved filter: the recordings its filters match."""

    type = SavedFilterTypeField(choices=[SessionRecordingPlaylist.PlaylistType.FILTERS.value])
    filters = SavedFiltersField()


# The creation body as documented: one of the two shapes, told apart by ``type`` (validated by
# ``PlaylistCreateInputSerializer``; the services apply the type rules).
PLAYLIST_CREATE_BODY = PolymorphicProxySerializer(
    component_name="PlaylistCreateInput",
    serializers={
        SessionRecordingPlaylist.PlaylistType.COLLECTION.value: CollectionCreateInputSerializer,
        SessionRecordingPlaylist.PlaylistType.FILTERS.value: SavedFilterCreateInputSerializer,
    },
    resource_type_field_name="type",
)


class PlaylistUpdateInputSerializer(PlaylistFieldsInputSerializer):
    """``type`` and ``short_id`` are fixed at creation; sending them changes nothing. ``filters``
    are either shape: the playlist's type decides which one fits (``playlists.openapi``)."""

    filters = UpdateFiltersField(required=False, allow_null=True)


@extend_schema_field({"type": "string", "pattern": DATE_PATTERN})
class DateParameterField(serializers.CharField):
    """A relative or ISO date, parsed by ``date_parse`` in ``validate``; the document states its
    grammar (``DATE_PATTERN``)."""


class PlaylistListParamsSerializer(serializers.Serializer):
    created_by = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only playlists this user created."
    )
    user = serializers.BooleanField(required=False, help_text="`true`: only playlists you created.")
    type = serializers.ChoiceField(choices=SessionRecordingPlaylist.PlaylistType.choices, required=False)
    pinned = serializers.BooleanField(
        required=False, help_text="`true`: only pinned; `false`: only unpinned."
    )
    search = PresentTextField(required=False, max_length=400, help_text="Matches name or derived name.")
    date_from = DateParameterField(required=False, help_text="Modified after: `-7d`, `-1m`, `dStart` or ISO.")
    date_to = DateParameterField(required=False, help_text="Modified before: relative or ISO 8601.")
    session_recording_id = SessionIdField(required=False, help_text="Only playlists pinning this recording.")
    short_id = PresentTextField(required=False, max_length=12)
    order = serializers.ChoiceField(
        choices=PLAYLIST_ORDERINGS, required=False, help_text="Default `-last_modified_at`."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # One date grammar for the whole API: the recordings filters' (400 naming the parameter).
        for name in ("date_from", "date_to"):
            if name in attrs:
                attrs[name] = date_parse(attrs[name], param=name, end_of_day=name == "date_to")
        return attrs


class SessionRecordingIdsInputSerializer(StrictTypesSerializer):
    session_recording_ids = serializers.ListField(
        child=SessionIdField(),
        min_length=1,
        max_length=BULK_MAX_RECORDINGS,
        help_text=f"Between 1 and {BULK_MAX_RECORDINGS} session ids; duplicates count once.",
    )

    def validate_session_recording_ids(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class BulkAddResultSerializer(SuccessSerializer):
    added_count = serializers.IntegerField(help_text="Recordings newly pinned by this request.")
    total_requested = serializers.IntegerField()
    not_found = serializers.ListField(
        child=serializers.CharField(),
        help_text="Requested ids with no recording in this environment (skipped).",
    )


class BulkDeleteResultSerializer(SuccessSerializer):
    deleted_count = serializers.IntegerField(help_text="Recordings unpinned by this request.")
    total_requested = serializers.IntegerField()

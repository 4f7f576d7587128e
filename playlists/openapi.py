"""The playlists' write bodies as the document states them: the type rules ``playlists.services``
enforces (``_check_type_rules``), stated where JSON Schema can state them.

A playlist's ``type`` decides its ``filters``: a collection has none (an empty object, ``null`` or
nothing), a saved filter (``filters``) a non-empty object of recordings filters. A creation body
says its type, so it is one of two shapes told apart by ``type`` (a discriminator). An update
cannot say it (``type`` is fixed at creation and ignored when sent): its ``filters`` are either
shape, and which one fits is decided by the playlist it targets, the operation's documented 400.

These serializers document; ``PlaylistCreateInputSerializer`` and
``PlaylistUpdateInputSerializer`` validate, and the services apply the rules.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from playlists.models import SessionRecordingPlaylist
from playlists.serializers import PlaylistCreateInputSerializer, PlaylistFieldsInputSerializer
from recordings.filters.params import FILTER_PARAMS, IGNORED_PARAMS
from recordings.filters.universal import FILTER_GROUP
from recordings_api.strict_input import JSONObjectField

PlaylistType = SessionRecordingPlaylist.PlaylistType
NO_FILTERS: dict[str, Any] = {
    "type": "object",
    "maxProperties": 0,
    "nullable": True,
    "description": "A collection's filters: none (`{}`, `null` or left out).",
}


def _saved_filters_schema() -> dict[str, Any]:
    """What a saved filter's ``filters`` may be, key by key: PostHog's UI format (``filter_group``
    and any other keys, stored as sent) or the recordings list's parameters, nothing else
    (``universal_filters_to_params``, ``recordings_query_parse``). Their values are checked as
    the recordings list checks them; the document does not state those grammars yet."""
    parameters = sorted({*FILTER_PARAMS, *IGNORED_PARAMS})
    return {
        "type": "object",
        "minProperties": 1,
        "oneOf": [
            {
                "title": "PostHog's UI format",
                "type": "object",
                "properties": {
                    FILTER_GROUP: {
                        "type": "object",
                        "description": '`{"type": "AND"|"OR", "values": [filters or groups]}`.',
                    }
                },
                "required": [FILTER_GROUP],
            },
            {
                "title": "The recordings list's parameters",
                "type": "object",
                "properties": {name: {} for name in parameters},
                "additionalProperties": False,
            },
        ],
        "description": "A saved filter's recordings filters: PostHog's UI format (`filter_group`, other "
        "keys stored as sent) or the recordings list's parameters as JSON values (`date_from`, `events`, "
        "`properties`, `query`, …). Values are checked as the recordings list checks them (400, `attr` "
        "`filters__<parameter>`).",
    }


SAVED_FILTERS = _saved_filters_schema()


@extend_schema_field(NO_FILTERS)
class _NoFiltersField(JSONObjectField):
    pass


@extend_schema_field(SAVED_FILTERS)
class _SavedFiltersField(JSONObjectField):
    pass


@extend_schema_field(
    {
        "nullable": True,
        "oneOf": [NO_FILTERS, SAVED_FILTERS],
        "description": "A collection's must be empty (`{}` or `null`); a saved filter's must be sent, "
        "non-empty, with every update (400 otherwise).",
    }
)
class _UpdateFiltersField(JSONObjectField):
    pass


@extend_schema_field({"type": "string", "enum": [PlaylistType.COLLECTION.value]})
class _CollectionTypeField(serializers.ChoiceField):
    pass


@extend_schema_field({"type": "string", "enum": [PlaylistType.FILTERS.value]})
class _SavedFilterTypeField(serializers.ChoiceField):
    pass


class CollectionCreateInputSerializer(PlaylistCreateInputSerializer):
    """A collection: recordings pinned one by one (``…/recordings/{session_recording_id}/``)."""

    type = _CollectionTypeField(choices=[PlaylistType.COLLECTION.value])
    filters = _NoFiltersField(required=False, allow_null=True)


class SavedFilterCreateInputSerializer(PlaylistCreateInputSerializer):
    """A saved filter: the recordings its filters match."""

    type = _SavedFilterTypeField(choices=[PlaylistType.FILTERS.value])
    filters = _SavedFiltersField()


PLAYLIST_CREATE_BODY = PolymorphicProxySerializer(
    component_name="PlaylistCreateInput",
    serializers={
        PlaylistType.COLLECTION.value: CollectionCreateInputSerializer,
        PlaylistType.FILTERS.value: SavedFilterCreateInputSerializer,
    },
    resource_type_field_name="type",
)


class PlaylistUpdateBodySerializer(PlaylistFieldsInputSerializer):
    """``type`` and ``short_id`` are fixed at creation; sending them changes nothing."""

    filters = _UpdateFiltersField(required=False, allow_null=True)

"""The playlists' write bodies as the document states them: the type rules ``playlists.services``
enforces (``_check_type_rules``), stated where JSON Schema can state them.

A playlist's ``type`` decides its ``filters``: a collection has none (an empty object, ``null`` or
nothing), a saved filter (``filters``) a non-empty object of recordings filters. A creation body
says its type, so it is one of two shapes told apart by ``type`` (a discriminator). An update
cannot say it (``type`` is fixed at creation and ignored when sent): its ``filters`` are either
shape, and which one fits is decided by the playlist it targets, the operation's documented 400.

The fields here carry those schemas; ``playlists.serializers`` declares the bodies with them and
validates shapes, and the services apply the rules.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from playlists.models import SessionRecordingPlaylist
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
class NoFiltersField(JSONObjectField):
    pass


@extend_schema_field(SAVED_FILTERS)
class SavedFiltersField(JSONObjectField):
    pass


@extend_schema_field(
    {
        "nullable": True,
        "oneOf": [NO_FILTERS, SAVED_FILTERS],
        "description": "A collection's must be empty (`{}` or `null`); a saved filter's must be sent, "
        "non-empty, with every update (400 otherwise).",
    }
)
class UpdateFiltersField(JSONObjectField):
    pass


@extend_schema_field({"type": "string", "enum": [PlaylistType.COLLECTION.value]})
class CollectionTypeField(serializers.ChoiceField):
    pass


@extend_schema_field({"type": "string", "enum": [PlaylistType.FILTERS.value]})
class SavedFilterTypeField(serializers.ChoiceField):
    pass

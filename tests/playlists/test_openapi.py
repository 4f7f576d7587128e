"""The playlists' write bodies in the document (``playlists.openapi``) state the rules the services
enforce: a creation body is one of two shapes told apart by ``type``, and a saved filter's keys are
exactly the ones the code takes."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from playlists.openapi import SAVED_FILTERS
from recordings_api.models import Environment
from tests.playlists.conftest import playlists_url

pytestmark = pytest.mark.django_db

_PARAMETERS = sorted(SAVED_FILTERS["oneOf"][1]["properties"])
_PAGE_BOUNDS = {"limit": 1, "offset": 0}


def _components() -> dict[str, Any]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    components: dict[str, Any] = document["components"]["schemas"]
    return components


def test_the_creation_body_is_told_apart_by_type() -> None:
    components = _components()
    body = components["PlaylistCreateInputRequest"]
    collection = components["CollectionCreateInputRequest"]
    saved_filter = components["SavedFilterCreateInputRequest"]

    assert body["discriminator"] == {
        "propertyName": "type",
        "mapping": {
            "collection": "#/components/schemas/CollectionCreateInputRequest",
            "filters": "#/components/schemas/SavedFilterCreateInputRequest",
        },
    }
    assert _enum(components, collection["properties"]["type"]) == ["collection"]
    assert collection["properties"]["filters"]["maxProperties"] == 0
    assert collection["required"] == ["type"]
    assert _enum(components, saved_filter["properties"]["type"]) == ["filters"]
    assert saved_filter["properties"]["filters"]["minProperties"] == 1
    assert saved_filter["required"] == ["filters", "type"]


def _enum(components: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    name = schema["$ref"].removeprefix("#/components/schemas/")
    values: list[Any] = components[name]["enum"]
    return values


@pytest.mark.parametrize("name", _PARAMETERS)
def test_every_parameter_the_document_admits_is_stored(
    api: APIClient, environment: Environment, name: str
) -> None:
    # null means "not sent" for every parameter but the page's bounds, which are integers.
    value = _PAGE_BOUNDS.get(name)
    response = api.post(
        playlists_url(environment), {"type": "filters", "filters": {name: value}}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert SessionRecordingPlaylist.objects.get().filters == {name: value}


def test_a_key_the_document_does_not_admit_is_a_400(api: APIClient, environment: Environment) -> None:
    assert "x_unknown" not in _PARAMETERS

    response = api.post(
        playlists_url(environment), {"type": "filters", "filters": {"x_unknown": None}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["attr"] == "filters__x_unknown"
    assert not SessionRecordingPlaylist.objects.exists()

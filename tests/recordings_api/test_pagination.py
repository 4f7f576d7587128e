"""limit/offset pagination: shape, links, bounds."""

from __future__ import annotations

import pytest
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment
from tests.factories import SessionRecordingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_recordings(environment: Environment) -> list[SessionRecording]:
    return SessionRecordingFactory.create_batch(5, environment=environment)


def url(environment: Environment, query: str = "") -> str:
    return f"/api/projects/{environment.id}/session_recordings/{query}"


def test_pages_and_links(
    api: APIClient, environment: Environment, five_recordings: list[SessionRecording]
) -> None:
    first = api.get(url(environment, "?limit=2")).json()
    assert (first["count"], first["has_next"], first["previous"], len(first["results"])) == (5, True, None, 2)
    assert "limit=2" in first["next"] and "offset=2" in first["next"]
    last = api.get(url(environment, "?limit=2&offset=4")).json()
    assert (last["has_next"], last["next"], len(last["results"])) == (False, None, 1)
    assert "offset=2" in last["previous"]


def test_pages_do_not_overlap(
    api: APIClient, environment: Environment, five_recordings: list[SessionRecording]
) -> None:
    seen = []
    for offset in range(0, 5, 2):
        seen += [
            row["id"] for row in api.get(url(environment, f"?limit=2&offset={offset}")).json()["results"]
        ]
    assert sorted(seen) == sorted(recording.session_id for recording in five_recordings)


def test_limit_is_clamped_to_the_maximum(
    api: APIClient, environment: Environment, five_recordings: list[SessionRecording], settings: Settings
) -> None:
    settings.PAGINATION_MAX_LIMIT = 3
    body = api.get(url(environment, "?limit=1000")).json()
    assert len(body["results"]) == 3
    assert body["has_next"] is True


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("?limit=0", "limit"),
        ("?limit=-5", "limit"),
        ("?limit=x", "limit"),
        ("?offset=-1", "offset"),
        ("?offset=1.5", "offset"),
    ],
)
def test_invalid_bounds_are_400(api: APIClient, environment: Environment, query: str, attr: str) -> None:
    response = api.get(url(environment, query))
    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["code"], body["attr"]) == ("validation_error", "invalid_input", attr)


def test_offset_past_the_end_is_an_empty_page(
    api: APIClient, environment: Environment, five_recordings: list[SessionRecording]
) -> None:
    body = api.get(url(environment, "?offset=50")).json()
    assert (body["count"], body["results"], body["has_next"]) == (5, [], False)

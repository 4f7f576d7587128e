"""The recordings list's ``after`` cursor: walking every page by ``next_cursor`` gives exactly
the list's order (ties and NULL scores included), and pages stay stable under inserts."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings_api.models import Environment
from tests.recordings.conftest import make_recording


@pytest.fixture
def recordings(environment: Environment) -> list[str]:
    """Eight recordings: equal start times (ties), equal scores, and NULL activity scores."""
    now = timezone.now().replace(microsecond=0)
    ids = []
    for index in range(8):
        recording = make_recording(
            environment,
            session_id=f"rec-{index}",
            start=now - timedelta(minutes=index // 2),  # pairs share a start time
            duration=0 if index in (2, 5) else 60 * (index % 3 + 1),  # zero duration → NULL score
            active=0,
            click_count=index % 2,
        )
        ids.append(recording.session_id)
    return ids


def _walk(api: APIClient, url: str, **params: str) -> list[str]:
    seen: list[str] = []
    response = api.get(url, {**params, "limit": "3"})
    for _ in range(10):
        body = response.json()
        assert response.status_code == 200, body
        seen += [row["id"] for row in body["results"]]
        if body["next_cursor"] is None:
            assert body["has_next"] is False
            return seen
        assert body["has_next"] is True
        response = api.get(url, {**params, "limit": "3", "after": body["next_cursor"]})
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize(
    "order", ["start_time", "duration", "activity_score", "click_count", "recording_ttl"]
)
@pytest.mark.parametrize("direction", ["DESC", "ASC"])
def test_walking_the_cursor_gives_the_whole_list_in_order(
    api: APIClient, environment: Environment, recordings: list[str], order: str, direction: str
) -> None:
    url = f"/api/projects/{environment.id}/session_recordings/"
    everything = [
        row["id"] for row in api.get(url, {"order": order, "order_direction": direction}).json()["results"]
    ]

    walked = _walk(api, url, order=order, order_direction=direction)

    assert walked == everything
    assert sorted(walked) == sorted(recordings)


def test_a_cursor_page_in_full(api: APIClient, environment: Environment, recordings: list[str]) -> None:
    url = f"/api/projects/{environment.id}/session_recordings/"
    everything = [row["id"] for row in api.get(url).json()["results"]]
    first = api.get(url, {"limit": "3"}).json()

    response = api.get(url, {"limit": "3", "after": first["next_cursor"]})

    body = response.json()
    assert set(body) == {
        "count",
        "count_is_estimate",
        "next",
        "previous",
        "has_next",
        "results",
        "version",
        "next_cursor",
    }
    assert body["count_is_estimate"] is False
    assert (body["count"], body["previous"], body["has_next"], body["version"]) == (8, None, True, 4)
    assert [row["id"] for row in body["results"]] == everything[3:6]
    assert body["next"] == f"http://testserver{url}?after={body['next_cursor']}&limit=3"


def test_pages_stay_stable_when_recordings_arrive(
    api: APIClient, environment: Environment, recordings: list[str]
) -> None:
    url = f"/api/projects/{environment.id}/session_recordings/"
    everything = [row["id"] for row in api.get(url).json()["results"]]
    first = api.get(url, {"limit": "4"}).json()
    make_recording(environment, session_id="newest", start=timezone.now(), duration=10, active=1)

    second = api.get(url, {"limit": "4", "after": first["next_cursor"]}).json()

    assert [row["id"] for row in first["results"]] + [row["id"] for row in second["results"]] == everything


def _foreign_cursor() -> str:
    return base64.urlsafe_b64encode(b'[1,"duration","DESC",60.0,"2026-01-01T00:00:00+00:00",1]').decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"after": "not-a-cursor"}, "Invalid cursor"),
        ({"after": base64.urlsafe_b64encode(b"[9]").decode()}, "Invalid cursor"),
        ({"after": _foreign_cursor()}, "This cursor belongs to another order"),
        (
            {"after": _foreign_cursor(), "order": "duration", "offset": "3"},
            "'after' and 'offset' do not combine",
        ),
        (
            {"after": _foreign_cursor(), "order": "duration", "session_ids": '["rec-1"]'},
            "'after' does not combine",
        ),
    ],
)
def test_bad_cursors_are_400(
    api: APIClient, environment: Environment, recordings: list[str], params: dict[str, Any], message: str
) -> None:
    response = api.get(f"/api/projects/{environment.id}/session_recordings/", params)

    assert response.status_code == 400
    assert response.json()["attr"] == "after"
    assert response.json()["detail"].startswith(message)


def test_session_ids_lists_have_no_cursor(
    api: APIClient, environment: Environment, recordings: list[str]
) -> None:
    body = api.get(
        f"/api/projects/{environment.id}/session_recordings/",
        {"session_ids": '["rec-1", "rec-2"]', "limit": "1"},
    ).json()

    assert (body["has_next"], body["next_cursor"]) == (True, None)

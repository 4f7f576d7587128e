"""``POST …/session_recordings/batch_check_exists/``: which session ids are recordings here."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from recordings.models import DeletedRecording
from recordings_api.models import Environment, User
from tests.recordings.conftest import Dataset


def test_it_answers_per_id_in_the_order_sent(api: APIClient, recordings_url: str, dataset: Dataset) -> None:
    body = {"session_ids": ["gamma-session", "nope", "alpha-session", "gamma-session", "other-session"]}

    response = api.post(f"{recordings_url}batch_check_exists/", body, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "results": {"gamma-session": True, "nope": False, "alpha-session": True, "other-session": False}
    }
    assert list(response.json()["results"]) == ["gamma-session", "nope", "alpha-session", "other-session"]


def test_deleted_recordings_do_not_exist(
    api: APIClient, recordings_url: str, environment: Environment, dataset: Dataset
) -> None:
    DeletedRecording.objects.create(environment=environment, session_id="beta-session")

    response = api.post(
        f"{recordings_url}batch_check_exists/", {"session_ids": ["beta-session"]}, format="json"
    )

    assert response.json() == {"results": {"beta-session": False}}


def test_include_outcomes_adds_the_empty_outcomes(
    api: APIClient, recordings_url: str, dataset: Dataset
) -> None:
    body = {"session_ids": ["alpha-session"], "include_outcomes": True}

    response = api.post(f"{recordings_url}batch_check_exists/", body, format="json")

    assert response.json() == {"results": {"alpha-session": True}, "outcomes": {}}


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "session_ids"),
        ({"session_ids": []}, "session_ids"),
        ({"session_ids": [f"s{n}" for n in range(101)]}, "session_ids"),
        ({"session_ids": "alpha-session"}, "session_ids"),
        ({"session_ids": ["a"], "include_outcomes": "perhaps"}, "include_outcomes"),
        ({"session_ids": ["a"], "tomato": 1}, "tomato"),
    ],
)
def test_invalid_bodies_are_400(
    api: APIClient, recordings_url: str, dataset: Dataset, body: dict[str, object], attr: str
) -> None:
    response = api.post(f"{recordings_url}batch_check_exists/", body, format="json")

    assert response.status_code == 400
    assert (response.json()["type"], response.json()["attr"]) == ("validation_error", attr)


def test_it_needs_credentials_and_the_read_scope(
    key_client: Callable[..., APIClient], recordings_url: str, dataset: Dataset
) -> None:
    path = f"{recordings_url}batch_check_exists/"
    body = {"session_ids": ["alpha-session"]}

    assert APIClient().post(path, body, format="json").status_code == 401
    assert key_client(["session_recording_playlist:read"]).post(path, body, format="json").status_code == 403
    assert key_client(["session_recording:read"]).post(path, body, format="json").status_code == 200


def test_another_organizations_project_is_404_for_outsiders(
    key_client: Callable[..., APIClient], outsider: User, environment: Environment, dataset: Dataset
) -> None:
    path = f"/api/projects/{environment.id}/session_recordings/batch_check_exists/"

    response = key_client(["*"], user=outsider).post(path, {"session_ids": ["alpha-session"]}, format="json")

    assert response.status_code == 404  # like a project that does not exist: no leak

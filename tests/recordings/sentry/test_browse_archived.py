"""Browse and archived (deleted) replays: Sentry lists them as its placeholder, after the live
ones, and a query holds for them as for the placeholder; the PostHog face never shows them. And
the data-source headers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording
from recordings.services.lifecycle import session_recordings_expired_purge
from recordings_api.models import Environment, Organization, User
from tests.recordings.sentry.conftest import REPLAY_ID, sentry_replay
from tests.recordings.sentry_replay_support import archived_placeholder

OTHER_ID = "b" * 32


def url(organization: Organization, query: str = "") -> str:
    return f"/api/0/organizations/{organization.slug}/replays/" + (f"?{query}" if query else "")


def ids(api: APIClient, organization: Organization, query: str = "") -> list[tuple[str, bool]]:
    response = api.get(url(organization, f"field=id&field=is_archived&{query}"))
    assert response.status_code == 200, response.content
    return [(row["id"], row["is_archived"]) for row in response.json()["data"]]


def delete(api: APIClient, organization: Organization, environment: Environment, replay_id: str) -> None:
    response = api.delete(f"/api/0/projects/{organization.slug}/{environment.slug}/replays/{replay_id}/")
    assert response.status_code == 204, response.content


@pytest.fixture
def deleted(
    api: APIClient, organization: Organization, environment: Environment
) -> tuple[SessionRecording, str]:
    """A live replay (``OTHER_ID``) and, deleted through the API, the conftest replay."""
    live = sentry_replay(environment, session_id=OTHER_ID, error_count=0)
    sentry_replay(environment)
    delete(api, organization, environment, REPLAY_ID)
    return live, REPLAY_ID


def test_a_deleted_replay_is_listed_as_the_archived_placeholder(
    api: APIClient, organization: Organization, environment: Environment, deleted: tuple
) -> None:
    response = api.get(url(organization))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [row["id"] for row in data] == [OTHER_ID, REPLAY_ID]
    assert data[0]["is_archived"] is False
    assert data[1] == archived_placeholder(REPLAY_ID, environment.id)
    assert set(data[1]) == set(data[0])
    restricted = api.get(url(organization, "field=id&field=tags&field=clicks&field=user")).json()["data"][1]
    assert restricted == {
        "id": REPLAY_ID,
        "tags": [],
        "clicks": [],
        "user": archived_placeholder(REPLAY_ID, environment.id)["user"],
    }


def test_the_posthog_face_never_shows_a_deleted_replay(
    api: APIClient, environment: Environment, deleted: tuple
) -> None:
    listed = api.get(f"/api/environments/{environment.id}/session_recordings/")
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [OTHER_ID]
    detail = api.get(f"/api/environments/{environment.id}/session_recordings/{REPLAY_ID}/")
    assert detail.status_code == 404


def test_archived_replays_follow_the_live_ones_across_pages(
    api: APIClient, organization: Organization, environment: Environment
) -> None:
    now = timezone.now()
    for index in range(4):
        sentry_replay(
            environment, session_id=f"{index + 1:032x}", start_time=now - timedelta(hours=4 - index)
        )
    for index in (0, 1):  # the older two, the first deleted first
        delete(api, organization, environment, f"{index + 1:032x}")
        DeletedRecording.objects.filter(session_id=f"{index + 1:032x}").update(
            deleted_at=now - timedelta(minutes=10 - index)
        )
    expected = [(f"{4:032x}", False), (f"{3:032x}", False), (f"{2:032x}", True), (f"{1:032x}", True)]
    assert ids(api, organization) == expected
    for offset in range(4):
        page = api.get(url(organization, f"field=id&field=is_archived&per_page=1&cursor=0:{offset}:0"))
        assert [(row["id"], row["is_archived"]) for row in page.json()["data"]] == expected[
            offset : offset + 1
        ]
        assert f'rel="next"; results="{str(offset < 3).lower()}"' in page["Link"]
    assert ids(api, organization, "per_page=3&cursor=0:3:0") == expected[3:]
    assert ids(api, organization, "limit=2&offset=1") == expected[1:3]
    assert ids(api, organization, "per_page=2&cursor=0:8:0") == []
    assert ids(api, organization, "sort=started_at") == [expected[1], expected[0], *expected[2:]]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("is_archived:true", [REPLAY_ID]),
        ("is_archived:false", [OTHER_ID]),
        ("!is_archived:true", [OTHER_ID]),
        (f"id:{uuid.UUID(REPLAY_ID)}", [REPLAY_ID]),
        (f"!id:{REPLAY_ID}", [OTHER_ID]),
        ("count_errors:0", [OTHER_ID]),
        ("!browser.name:Firefox", [OTHER_ID]),
        ("plan:free", [OTHER_ID]),
        ("is_archived:true OR count_errors:0", [OTHER_ID, REPLAY_ID]),
        ("(is_archived:true AND count_errors:0) OR id:nothing*", [OTHER_ID]),
    ],
)
def test_a_query_holds_for_archived_replays_as_for_the_placeholder(
    api: APIClient, organization: Organization, deleted: tuple, query: str, listed: list[str]
) -> None:
    if "nothing" in query:
        response = api.get(url(organization, f"query={query}"))
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Could not parse value for `id`. Detail: Failed to parse uuid."},
        )
        return
    assert [replay_id for replay_id, _ in ids(api, organization, f"query={query}")] == listed


def test_is_archived_values_are_booleans(api: APIClient, organization: Organization) -> None:
    response = api.get(url(organization, "query=is_archived:maybe"))
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Could not parse value for `is_archived`."},
    )
    response = api.get(url(organization, "query=is_archived:>1"))
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Invalid operator specified for `is_archived`"},
    )


def test_archived_replays_have_no_environment_and_their_window_is_the_deletion(
    api: APIClient, organization: Organization, environment: Environment, deleted: tuple
) -> None:
    assert ids(api, organization, "environment=e2e") == [(OTHER_ID, False)]
    assert ids(api, organization, f"project={environment.id}") == [(OTHER_ID, False), (REPLAY_ID, True)]
    DeletedRecording.objects.update(deleted_at=timezone.now() - timedelta(days=8))
    assert ids(api, organization) == [(OTHER_ID, False)]
    assert ids(api, organization, "statsPeriod=9d") == [(OTHER_ID, False), (REPLAY_ID, True)]


def test_no_archived_replay_of_another_organization(
    api: APIClient, organization: Organization, other_environment: Environment, deleted: tuple, owner: User
) -> None:
    DeletedRecording.objects.create(environment=other_environment, session_id="f" * 32, deleted_by=owner)
    assert ids(api, organization, "project=-1") == [(OTHER_ID, False), (REPLAY_ID, True)]


def test_a_recording_purged_at_the_end_of_its_retention_is_gone_not_archived(
    api: APIClient, organization: Organization, environment: Environment
) -> None:
    sentry_replay(environment, session_id=OTHER_ID)
    sentry_replay(environment, expires_at=timezone.now() - timedelta(days=1))
    assert session_recordings_expired_purge(environment=environment) == 1
    assert DeletedRecording.objects.filter(session_id=REPLAY_ID).exists()
    assert ids(api, organization) == [(OTHER_ID, False)]
    assert ids(api, organization, "query=is_archived:true") == []
    detail = api.get(f"/api/0/projects/{organization.slug}/{environment.slug}/replays/{REPLAY_ID}/")
    assert (detail.status_code, detail.content) == (404, b"")


def test_a_page_with_archived_replays_costs_constant_queries(
    api: APIClient, organization: Organization, deleted: tuple, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        response = api.get(url(organization, "field=id&field=clicks"))
    assert len(response.json()["data"]) == 2


@pytest.mark.parametrize(
    ("preferred", "used"),
    [
        (None, "scalar-subquery"),
        ("scalar", "scalar-subquery"),
        ("aggregated", "aggregated-subquery"),
        ("x", "scalar-subquery"),
    ],
)
def test_the_data_source_headers(
    api: APIClient, organization: Organization, deleted: tuple, preferred: str | None, used: str
) -> None:
    headers = {} if preferred is None else {"X-Preferred-Data-Source": preferred}
    response = api.get(url(organization, "field=id"), headers=headers)
    assert response.status_code == 200, response.content
    assert response["X-Data-Source"] == used
    assert [row["id"] for row in response.json()["data"]] == [OTHER_ID, REPLAY_ID]

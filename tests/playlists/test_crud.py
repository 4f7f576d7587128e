"""Create, retrieve, list, update, soft delete/restore and the 405 on DELETE, under both prefixes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from playlists.models import SessionRecordingPlaylist
from recordings_api.models import Environment, User
from tests.playlists.conftest import EMPTY_COUNTS, iso, make_playlist, playlists_url, user_basic

pytestmark = pytest.mark.django_db


def expected_body(playlist: SessionRecordingPlaylist) -> dict:
    playlist.refresh_from_db()
    return {
        "id": playlist.id,
        "short_id": playlist.short_id,
        "name": playlist.name,
        "derived_name": playlist.derived_name,
        "description": playlist.description,
        "pinned": playlist.pinned,
        "created_at": iso(playlist.created_at),
        "created_by": user_basic(playlist.created_by) if playlist.created_by else None,
        "deleted": playlist.deleted,
        "filters": playlist.filters,
        "last_modified_at": iso(playlist.last_modified_at),
        "last_modified_by": user_basic(playlist.last_modified_by) if playlist.last_modified_by else None,
        "recordings_counts": EMPTY_COUNTS,
        "type": playlist.type,
    }


def test_create_collection_returns_201_with_the_full_object(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    owner.role_at_organization = "engineering"
    owner.hedgehog_config = {"use_as_profile": True}
    owner.is_email_verified = True
    owner.save()

    response = api.post(
        playlists_url(environment, prefix),
        {"name": "Checkout bugs", "description": "Look at these", "type": "collection", "pinned": True},
        format="json",
    )

    assert response.status_code == 201, response.json()
    playlist = SessionRecordingPlaylist.objects.get()
    body = response.json()
    assert body == expected_body(playlist)
    assert re.fullmatch(r"[A-Za-z0-9]{8}", body["short_id"])
    assert body["created_by"] == {
        "id": owner.id,
        "uuid": str(owner.uuid),
        "distinct_id": owner.distinct_id,
        "first_name": "Alice",
        "last_name": "A",
        "email": "alice@example.com",
        "is_email_verified": True,
        "hedgehog_config": {"use_as_profile": True},
        "role_at_organization": "engineering",
    }
    assert body["last_modified_by"] == body["created_by"]
    assert (playlist.environment_id, playlist.type, playlist.name, playlist.pinned, playlist.filters) == (
        environment.id,
        "collection",
        "Checkout bugs",
        True,
        {},
    )


def test_create_filters_playlist(api: APIClient, environment: Environment, owner: User) -> None:
    filters = {"date_from": "-7d", "filter_test_accounts": False, "duration": []}

    response = api.post(
        playlists_url(environment),
        {"derived_name": "Rage clicks", "type": "filters", "filters": filters},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["type"] == "filters"
    assert response.json()["filters"] == filters
    assert response.json()["name"] is None
    assert SessionRecordingPlaylist.objects.get().filters == filters


def test_short_ids_are_distinct_and_ignore_client_values(api: APIClient, environment: Environment) -> None:
    short_ids = {
        api.post(
            playlists_url(environment), {"type": "collection", "short_id": "mine"}, format="json"
        ).json()["short_id"]
        for _ in range(5)
    }
    assert len(short_ids) == 5
    assert "mine" not in short_ids


@pytest.mark.parametrize(
    ("payload", "attr", "detail"),
    [
        ({"name": "x"}, "type", "Must provide a valid playlist type: either filters or collection"),
        ({"type": "static"}, "type", "Must provide a valid playlist type: either filters or collection"),
        ({"type": None}, "type", "Must provide a valid playlist type: either filters or collection"),
        (
            {"type": "collection", "filters": {"date_from": "-7d"}},
            "filters",
            "You cannot create a collection with filters",
        ),
        ({"type": "filters"}, "filters", "You must provide a valid filters when creating a saved filter"),
        (
            {"type": "filters", "filters": {}},
            "filters",
            "You must provide a valid filters when creating a saved filter",
        ),
        ({"type": "filters", "filters": ["a"]}, "filters", "filters must be a JSON object."),
        (
            {"type": "collection", "name": "n" * 401},
            "name",
            "Ensure this field has no more than 400 characters.",
        ),
        ({"type": "collection", "pinned": "maybe"}, "pinned", "Must be a valid boolean."),
        ({"type": "collection", "description": None}, "description", "This field may not be null."),
    ],
)
def test_create_rejects_invalid_input(
    api: APIClient, environment: Environment, payload: dict[str, Any], attr: str, detail: str
) -> None:
    response = api.post(playlists_url(environment), payload, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == attr
    assert response.json()["detail"] == detail
    assert not SessionRecordingPlaylist.objects.exists()


def test_create_rejects_oversized_filters(api: APIClient, environment: Environment) -> None:
    response = api.post(
        playlists_url(environment), {"type": "filters", "filters": {"big": "x" * 70_000}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["attr"] == "filters"


def test_create_rejects_a_non_object_body(api: APIClient, environment: Environment) -> None:
    response = api.post(playlists_url(environment), ["collection"], format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_retrieve(api: APIClient, environment: Environment, owner: User, prefix: str) -> None:
    playlist = make_playlist(environment, owner, name="Mine", description="d")

    response = api.get(playlists_url(environment, prefix, playlist.short_id))

    assert response.status_code == 200
    assert response.json() == expected_body(playlist)


def test_retrieve_without_trailing_slash(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner)
    response = api.get(playlists_url(environment, "projects", playlist.short_id).rstrip("/"))
    assert response.status_code == 200
    assert response.json()["short_id"] == playlist.short_id


def test_retrieve_unknown_short_id_is_404(api: APIClient, environment: Environment) -> None:
    response = api.get(playlists_url(environment, "projects", "nope1234"))
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Playlist not found.",
        "attr": None,
    }


def test_list_returns_the_paginated_playlists(
    api: APIClient, environment: Environment, owner: User, teammate: User, prefix: str
) -> None:
    older = make_playlist(environment, owner, name="Older")
    newer = make_playlist(environment, teammate, name="Newer", type="filters", filters={"date_from": "-3d"})
    SessionRecordingPlaylist.objects.filter(id=older.id).update(
        last_modified_at=timezone.now() - timedelta(days=1)
    )

    response = api.get(playlists_url(environment, prefix))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "has_next": False,
        "results": [expected_body(newer), expected_body(older)],
    }


def test_list_paginates(api: APIClient, environment: Environment, owner: User) -> None:
    for index in range(3):
        make_playlist(environment, owner, name=f"p{index}")

    body = api.get(playlists_url(environment), {"limit": 2}).json()

    assert body["count"] == 3
    assert body["has_next"] is True
    assert len(body["results"]) == 2
    assert "offset=2" in body["next"]


def test_patch_updates_fields_and_bumps_last_modified_on_material_change(
    api: APIClient,
    environment: Environment,
    owner: User,
    teammate: User,
    key_client: Callable[..., APIClient],
    prefix: str,
) -> None:
    playlist = make_playlist(environment, owner, name="Before")
    long_ago = timezone.now() - timedelta(days=3)
    SessionRecordingPlaylist.objects.filter(id=playlist.id).update(last_modified_at=long_ago)
    client = key_client(["session_recording_playlist:write"], user=teammate)

    response = client.patch(
        playlists_url(environment, prefix, playlist.short_id),
        {"name": "After", "description": "new", "type": "filters", "short_id": "hijacked"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    playlist.refresh_from_db()
    assert response.json() == expected_body(playlist)
    assert (playlist.name, playlist.description, playlist.type) == ("After", "new", "collection")
    assert playlist.short_id != "hijacked"
    assert playlist.last_modified_by == teammate
    assert playlist.last_modified_at > long_ago
    assert response.json()["created_by"] == user_basic(owner)
    assert response.json()["last_modified_by"] == user_basic(teammate)


def test_patch_of_non_material_fields_keeps_last_modified(
    api: APIClient,
    environment: Environment,
    owner: User,
    teammate: User,
    key_client: Callable[..., APIClient],
) -> None:
    playlist = make_playlist(environment, owner, name="Same")
    long_ago = timezone.now().replace(microsecond=0) - timedelta(days=3)
    SessionRecordingPlaylist.objects.filter(id=playlist.id).update(last_modified_at=long_ago)
    client = key_client(["session_recording_playlist:write"], user=teammate)

    response = client.patch(
        playlists_url(environment, "projects", playlist.short_id),
        {"pinned": True, "name": "Same", "derived_name": "auto"},
        format="json",
    )

    assert response.status_code == 200
    playlist.refresh_from_db()
    assert (playlist.pinned, playlist.derived_name) == (True, "auto")
    assert playlist.last_modified_at == long_ago
    assert playlist.last_modified_by == owner


def test_put_behaves_like_patch(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner, name="Before", description="keep")

    response = api.put(
        playlists_url(environment, "environments", playlist.short_id), {"name": "Put"}, format="json"
    )

    assert response.status_code == 200
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description) == ("Put", "keep")


@pytest.mark.parametrize(
    ("playlist_type", "filters", "payload", "detail"),
    [
        (
            "collection",
            {},
            {"filters": {"date_from": "-7d"}},
            "You cannot update a collection to add filters",
        ),
        (
            "filters",
            {"date_from": "-7d"},
            {"filters": {}},
            "You cannot remove all filters when updating a saved filter",
        ),
        (
            "filters",
            {"date_from": "-7d"},
            {"filters": None},
            "You cannot remove all filters when updating a saved filter",
        ),
        ("filters", {"date_from": "-7d"}, {"filters": "x"}, "filters must be a JSON object."),
        ("collection", {}, {"deleted": "soon"}, "Must be a valid boolean."),
    ],
)
def test_patch_rejects_invalid_input(
    api: APIClient,
    environment: Environment,
    owner: User,
    playlist_type: str,
    filters: dict[str, Any],
    payload: dict[str, Any],
    detail: str,
) -> None:
    playlist = make_playlist(environment, owner, type=playlist_type, filters=filters, name="Keep")

    response = api.patch(playlists_url(environment, "projects", playlist.short_id), payload, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["detail"] == detail
    playlist.refresh_from_db()
    assert (playlist.filters, playlist.deleted) == (filters, False)


def test_patch_of_a_filters_playlist_without_filters_is_a_400(
    api: APIClient, environment: Environment, owner: User
) -> None:
    """PostHog's rule: every update of a saved filter resends its filters (its UI always does)."""
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})

    response = api.patch(
        playlists_url(environment, "projects", playlist.short_id), {"pinned": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "You cannot remove all filters when updating a saved filter",
        "attr": "filters",
    }
    playlist.refresh_from_db()
    assert (playlist.pinned, playlist.filters) == (False, {"date_from": "-7d"})


def test_patch_of_a_filters_playlist_with_its_filters(
    api: APIClient, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})

    response = api.patch(
        playlists_url(environment, "projects", playlist.short_id),
        {"pinned": True, "filters": {"date_from": "-7d"}},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["pinned"], response.json()["filters"]) == (True, {"date_from": "-7d"})


def test_delete_is_405_in_the_error_shape_and_deletes_nothing(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(environment, owner)

    response = api.delete(playlists_url(environment, prefix, playlist.short_id))

    assert response.status_code == 405
    assert response.json() == {
        "type": "invalid_request",
        "code": "method_not_allowed",
        "detail": 'Hard delete of this model is not allowed. Use a patch API call to set "deleted" to true',
        "attr": None,
    }
    assert set(response["Allow"].split(", ")) == {"GET", "PUT", "PATCH", "HEAD", "OPTIONS"}
    playlist.refresh_from_db()
    assert playlist.deleted is False


def test_soft_delete_hides_the_playlist_and_patch_restores_it(
    api: APIClient, environment: Environment, owner: User, prefix: str
) -> None:
    playlist = make_playlist(environment, owner, name="Temp")
    detail = playlists_url(environment, prefix, playlist.short_id)

    deleted = api.patch(detail, {"deleted": True}, format="json")

    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    playlist.refresh_from_db()
    assert playlist.deleted is True
    assert api.get(detail).status_code == 404
    assert api.get(playlists_url(environment, prefix)).json()["count"] == 0
    assert api.get(playlists_url(environment, prefix, playlist.short_id, "recordings")).status_code == 404

    restored = api.patch(detail, {"deleted": False}, format="json")

    assert restored.status_code == 200
    assert restored.json() == expected_body(playlist)
    assert restored.json()["deleted"] is False
    assert api.get(detail).status_code == 200
    assert [p["short_id"] for p in api.get(playlists_url(environment, prefix)).json()["results"]] == [
        playlist.short_id
    ]


def test_soft_delete_of_a_filters_playlist(api: APIClient, environment: Environment, owner: User) -> None:
    playlist = make_playlist(environment, owner, type="filters", filters={"date_from": "-7d"})

    response = api.patch(
        playlists_url(environment, "projects", playlist.short_id),
        {"deleted": True, "filters": {"date_from": "-7d"}},
        format="json",
    )

    assert response.status_code == 200
    playlist.refresh_from_db()
    assert playlist.deleted is True


def test_playlists_of_a_non_default_environment_are_reached_under_environments(
    api: APIClient, environment: Environment, owner: User
) -> None:
    from recordings_api.services import environment_create

    staging = environment_create(project=environment.project, name="Staging")
    response = api.post(
        f"/api/environments/{staging.id}/session_recording_playlists/", {"type": "collection"}
    )

    assert response.status_code == 201
    playlist = SessionRecordingPlaylist.objects.get()
    assert playlist.environment_id == staging.id
    assert api.get(playlists_url(environment, "projects")).json()["count"] == 0
    assert api.get(f"/api/environments/{staging.id}/session_recording_playlists/").json()["count"] == 1

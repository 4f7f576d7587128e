"""The Django admin for playlists and their items (staff session)."""

from __future__ import annotations

import pytest
from django.test import Client

from playlists.models import SessionRecordingPlaylist, SessionRecordingPlaylistItem
from recordings_api.models import Environment, User
from tests.factories import SessionRecordingFactory
from tests.playlists.conftest import make_playlist, pin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(db: None) -> Client:
    admin = User.objects.create_superuser(email="root@example.com", password="pw")
    client = Client()
    client.force_login(admin)
    return client


def test_playlist_admin_lists_deleted_ones_too_and_opens_one(
    admin_client_: Client, environment: Environment, owner: User
) -> None:
    live = make_playlist(environment, owner, name="Live one")
    gone = make_playlist(environment, owner, name="Gone one", deleted=True)
    pin(live, SessionRecordingFactory.create(environment=environment))

    changelist = admin_client_.get("/admin/playlists/sessionrecordingplaylist/")
    change = admin_client_.get(f"/admin/playlists/sessionrecordingplaylist/{live.id}/change/")
    filtered = admin_client_.get("/admin/playlists/sessionrecordingplaylist/", {"deleted__exact": "1"})

    assert changelist.status_code == 200
    assert b"Live one" in changelist.content and b"Gone one" in changelist.content
    assert change.status_code == 200
    assert live.short_id.encode() in change.content
    assert filtered.status_code == 200
    assert gone.short_id.encode() in filtered.content and live.short_id.encode() not in filtered.content


def test_item_admin_lists_and_searches_items(
    admin_client_: Client, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner)
    recording = SessionRecordingFactory.create(environment=environment)
    pin(playlist, recording)
    item = SessionRecordingPlaylistItem.objects.get()

    listing = admin_client_.get("/admin/playlists/sessionrecordingplaylistitem/", {"q": recording.session_id})
    change = admin_client_.get(f"/admin/playlists/sessionrecordingplaylistitem/{item.id}/change/")

    assert listing.status_code == 200
    assert recording.session_id.encode() in listing.content
    assert change.status_code == 200


def test_admin_restores_a_soft_deleted_playlist(
    admin_client_: Client, environment: Environment, owner: User
) -> None:
    playlist = make_playlist(environment, owner, name="Back", deleted=True)

    response = admin_client_.post(
        "/admin/playlists/sessionrecordingplaylist/",
        {"action": "restore_playlists", "_selected_action": [playlist.id]},
    )

    assert response.status_code == 302
    playlist.refresh_from_db()
    assert playlist.deleted is False
    assert SessionRecordingPlaylist.objects.filter(deleted=True).count() == 0

"""The recordings admin: lists, filters, search, read-only rows, the actions (through the API's
services) and the staff-only Watch page. The replay itself is driven in Chromium in
``tests/browser/test_admin_watch.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, ErrorIssue, SessionRecording
from recordings_api.models import Environment, User
from sharing.models import SharingConfiguration
from tests.factories import PersonFactory, SessionEventFactory, SessionRecordingFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/recordings/sessionrecording/"


def _action(client: Client, action: str, *recordings: SessionRecording, **extra: Any) -> Any:
    data = {"action": action, "_selected_action": [r.pk for r in recordings], **extra}
    return client.post(LIST, data, follow=True)


@pytest.mark.parametrize(
    "model", ["sessionrecording", "person", "sessionevent", "deletedrecording", "errorissue"]
)
def test_changelists_render(staff_client: Client, environment: Environment, model: str) -> None:
    SessionRecordingFactory.create(environment=environment)
    PersonFactory.create(environment=environment, distinct_ids=["d-1"])
    SessionEventFactory.create(environment=environment)
    ErrorIssue.objects.create(
        environment=environment, fingerprint="a" * 32, title="Error: boom", first_seen=timezone.now()
    )

    assert staff_client.get(f"/admin/recordings/{model}/").status_code == 200


def test_list_shows_the_columns_and_links_person_and_watch(
    staff_client: Client, environment: Environment
) -> None:
    person = PersonFactory.create(environment=environment, distinct_ids=["ada"])
    recording = SessionRecordingFactory.create(
        environment=environment,
        distinct_id="ada",
        start_url="https://shop.example/cart",
        console_error_count=2,
    )

    page = staff_client.get(LIST).content.decode()

    assert recording.session_id in page
    assert "2:00" in page  # duration
    assert f'href="/admin/recordings/person/{person.pk}/change/">ada</a>' in page
    assert "https://shop.example/cart" in page
    assert f'href="/watch/{environment.id}/{recording.session_id}"' in page
    for header in ("Start time", "Duration", "Person / distinct id", "Start URL", "Click count", "Persisted"):
        assert header in page


def test_search_by_session_distinct_id_and_any_visited_url(
    staff_client: Client, environment: Environment
) -> None:
    checkout = SessionRecordingFactory.create(
        environment=environment,
        distinct_id="buyer",
        start_url="https://shop.example/",
        urls=["https://shop.example/", "https://shop.example/checkout/pay"],
    )
    other = SessionRecordingFactory.create(
        environment=environment, distinct_id="browser", start_url="https://blog.example/"
    )

    def found(term: str) -> set[str]:
        page = staff_client.get(LIST, {"q": term}).content.decode()
        return {r.session_id for r in (checkout, other) if r.session_id in page}

    assert found("checkout/pay") == {checkout.session_id}
    assert found("blog.example") == {other.session_id}
    assert found("buyer") == {checkout.session_id}
    assert found(other.session_id) == {other.session_id}


def test_filters_by_errors_persisted_and_environment(
    staff_client: Client, environment: Environment, other_environment: Environment
) -> None:
    failing = SessionRecordingFactory.create(environment=environment, console_error_count=3)
    kept = SessionRecordingFactory.create(environment=environment, persisted=True)
    elsewhere = SessionRecordingFactory.create(environment=other_environment)
    everything = {failing, kept, elsewhere}

    def listed(query: dict[str, Any]) -> set[SessionRecording]:
        page = staff_client.get(LIST, query).content.decode()
        return {r for r in everything if r.session_id in page}

    assert listed({"errors": "yes"}) == {failing}
    assert listed({"persisted__exact": "1"}) == {kept}
    assert listed({"environment__id__exact": other_environment.id}) == {elsewhere}


def test_rows_are_read_only(staff_client: Client, environment: Environment) -> None:
    recording = SessionRecordingFactory.create(environment=environment)

    response = staff_client.post(f"{LIST}{recording.pk}/change/", {"distinct_id": "changed"})

    recording.refresh_from_db()
    assert recording.distinct_id != "changed"
    assert response.status_code in (200, 302, 403)
    assert staff_client.get(f"{LIST}add/").status_code == 403


def test_persist_action_uses_the_service(staff_client: Client, environment: Environment) -> None:
    recording = SessionRecordingFactory.create(environment=environment)

    response = _action(staff_client, "persist_recordings", recording)

    assert "Persisted 1 recording(s)." in response.content.decode()
    recording.refresh_from_db()
    assert recording.persisted


def test_delete_action_tombstones_and_the_api_answers_404(
    staff_client: Client, owner: User, environment: Environment, api: APIClient
) -> None:
    recording = SessionRecordingFactory.create(environment=environment)
    survivor = SessionRecordingFactory.create(environment=environment)

    confirm = _action(staff_client, "delete_selected", recording)
    assert "Are you sure you want to delete the selected" in confirm.content.decode()
    done = _action(staff_client, "delete_selected", recording, post="yes")

    assert done.status_code == 200
    assert DeletedRecording.objects.filter(
        environment=environment, session_id=recording.session_id, deleted_by=owner
    ).exists()
    url = f"/api/projects/{environment.id}/session_recordings/{recording.session_id}/"
    assert api.get(url).status_code == 404
    assert SessionRecording.objects.filter(pk=survivor.pk).exists()


def test_flush_action_reports_each_outcome(
    staff_client: Client, environment: Environment, settings: Settings
) -> None:
    settings.REDIS_URL = None  # the database live buffer of this test's database
    recording = SessionRecordingFactory.create(environment=environment)

    response = _action(staff_client, "flush_recordings", recording)

    assert "Flush: 1 empty." in response.content.decode()


def test_person_admin_lists_distinct_ids_and_searches_them(
    staff_client: Client, environment: Environment
) -> None:
    person = PersonFactory.create(environment=environment, distinct_ids=["anon-1", "ada@example.com"])
    PersonFactory.create(environment=environment, distinct_ids=["someone-else"])

    listing = staff_client.get("/admin/recordings/person/", {"q": "anon-1"}).content.decode()
    detail = staff_client.get(f"/admin/recordings/person/{person.pk}/change/").content.decode()

    assert str(person.uuid) in listing and "someone-else" not in listing
    assert "anon-1" in detail and "ada@example.com" in detail


def test_events_are_read_only(staff_client: Client, environment: Environment) -> None:
    event = SessionEventFactory.create(environment=environment, event="purchase")

    listing = staff_client.get("/admin/recordings/sessionevent/").content.decode()
    detail = staff_client.get(f"/admin/recordings/sessionevent/{event.pk}/change/")

    assert "purchase" in listing
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert (
        staff_client.post(f"/admin/recordings/sessionevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


# --- the staff Watch page -------------------------------------------------------------------------


def test_watch_page_carries_no_token_and_points_at_the_snapshots_api(
    staff_client: Client, environment: Environment
) -> None:
    recording = SessionRecordingFactory.create(environment=environment)

    response = staff_client.get(f"/watch/{environment.id}/{recording.session_id}/")

    assert response.status_code == 200
    data = response.context["exported_data"]
    assert data["type"] == "staff"
    assert data["accessToken"] is None
    snapshots = f"/api/environments/{environment.id}/session_recordings/{recording.session_id}/snapshots"
    assert data["snapshotsUrl"] == snapshots
    assert response["Cache-Control"] == "no-store"
    assert not SharingConfiguration.objects.exists()


def test_watch_page_is_for_staff_only(client: Client, teammate: User, environment: Environment) -> None:
    recording = SessionRecordingFactory.create(environment=environment)
    url = f"/watch/{environment.id}/{recording.session_id}/"

    anonymous = client.get(url)
    client.force_login(teammate)
    not_staff = client.get(url)

    assert anonymous.status_code == not_staff.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")


def test_watch_page_of_an_unknown_recording_is_a_404(staff_client: Client, environment: Environment) -> None:
    response = staff_client.get(f"/watch/{environment.id}/no-such-session/")

    assert response.status_code == 404
    assert "This recording is not available" in response.content.decode()

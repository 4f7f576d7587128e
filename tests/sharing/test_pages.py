"""Public pages: ``/shared/{token}``, ``/embedded/{token}``, ``.json``, and their assets."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Environment, User
from sharing.models import SharingConfiguration
from sharing.pages import duration_label
from tests.conftest import streamed_chunks
from tests.factories import PersonFactory, SessionRecordingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(recording: SessionRecording, owner: User) -> SharingConfiguration:
    return SharingConfiguration.objects.create(
        environment=recording.environment, recording=recording, enabled=True, created_by=owner
    )


def _page_data(response: Any) -> dict:
    match = re.search(
        rb'<script id="shared-replay-data" type="application/json">(.*?)</script>', response.content
    )
    assert match, response.content[:500]
    return json.loads(match.group(1))


def _expected_data(shared: SharingConfiguration, kind: str) -> dict:
    recording = shared.recording
    return {
        "type": kind,
        "accessToken": shared.access_token,
        "environmentId": recording.environment_id,
        "recording": {
            "id": recording.session_id,
            "recording_duration": 120,
            "start_time": recording.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_time": recording.end_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "snapshotsUrl": (
            f"/api/environments/{recording.environment_id}/session_recordings/{recording.session_id}/snapshots"
        ),
    }


def test_shared_page_embeds_the_player_and_the_page_data(
    client: Client, shared: SharingConfiguration
) -> None:
    response = client.get(f"/shared/{shared.access_token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert re.search(r'src="/sharing-assets/[^/"]+/rrweb-player\.js"', html)
    assert re.search(r'src="/sharing-assets/[^/"]+/replay\.js"', html)
    assert re.search(r'href="/sharing-assets/[^/"]+/rrweb-player\.css"', html)
    assert 'id="replay-player"' in html
    assert _page_data(response) == _expected_data(shared, "scene")
    # Not frameable, never cached, never leaks the token through Referer.
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_shared_page_header_is_human_readable(client: Client, shared: SharingConfiguration) -> None:
    recording = shared.recording
    started = (timezone.now() - timedelta(days=2)).astimezone(UTC).replace(hour=14, minute=7, second=9)
    recording.start_time = started
    recording.end_time = started + timedelta(hours=1, minutes=2, seconds=3)
    recording.save()
    label = f"{started.day} {started:%b %Y}, 14:07 UTC"  # e.g. "5 Mar 2026, 14:07 UTC"

    html = client.get(f"/shared/{shared.access_token}").content.decode()

    assert f'<time id="replay-started" datetime="{started:%Y-%m-%d}T14:07:09Z">{label}</time>' in html
    assert '<span id="replay-duration">1:02:03</span>' in html
    assert f"<title>Session recording · {label}</title>" in html


@pytest.mark.parametrize(
    ("seconds", "label"), [(None, "0:00"), (0, "0:00"), (6, "0:06"), (750, "12:30"), (3723, "1:02:03")]
)
def test_duration_label(seconds: int | None, label: str) -> None:
    assert duration_label(seconds) == label


def test_embedded_page_may_be_framed_anywhere(client: Client, shared: SharingConfiguration) -> None:
    response = client.get(f"/embedded/{shared.access_token}")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == "frame-ancestors *"
    assert _page_data(response) == _expected_data(shared, "embed")
    assert "replay-header" not in response.content.decode()


def test_json_variant(client: Client, shared: SharingConfiguration) -> None:
    response = client.get(f"/shared/{shared.access_token}.json")
    assert response.status_code == 200
    assert response.json() == _expected_data(shared, "scene")
    assert client.get(f"/embedded/{shared.access_token}.json").json() == _expected_data(shared, "embed")


def test_display_settings_reach_the_page(client: Client, shared: SharingConfiguration) -> None:
    shared.settings = {"noHeader": True, "whitelabel": True, "unrelated": "x"}
    shared.save()
    response = client.get(f"/shared/{shared.access_token}")
    data = _page_data(response)
    assert (data["noHeader"], data["whitelabel"]) == (True, True)
    assert "unrelated" not in data
    assert "replay-header" not in response.content.decode()
    assert "replay-footer" not in response.content.decode()


def test_no_person_data_on_the_pages(
    client: Client, shared: SharingConfiguration, environment: Environment
) -> None:
    recording = shared.recording
    PersonFactory.create(
        environment=environment,
        properties={"email": "secret.person@example.com", "name": "Secret Person"},
        distinct_ids=[recording.distinct_id],
    )
    for path in (
        f"/shared/{shared.access_token}",
        f"/embedded/{shared.access_token}",
        f"/shared/{shared.access_token}.json",
    ):
        body = client.get(path).content.decode()
        assert "secret.person@example.com" not in body
        assert "Secret Person" not in body
        assert recording.distinct_id not in body


def _assert_not_found_page(response: Any) -> None:
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "This recording is not available" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_unknown_token_is_a_404_page(client: Client, db: None) -> None:
    _assert_not_found_page(client.get("/shared/not-a-real-token"))
    _assert_not_found_page(client.get("/embedded/not-a-real-token"))
    _assert_not_found_page(client.get("/shared/not.a%20token"))
    response = client.get("/shared/not-a-real-token.json")
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "This shared recording does not exist.",
        "attr": None,
    }


def test_disabled_token_is_a_404_page(client: Client, shared: SharingConfiguration) -> None:
    shared.enabled = False
    shared.save()
    _assert_not_found_page(client.get(f"/shared/{shared.access_token}"))
    assert client.get(f"/shared/{shared.access_token}.json").status_code == 404


def test_rotated_token_works_during_its_grace_period_only(
    client: Client, shared: SharingConfiguration
) -> None:
    shared.expires_at = timezone.now() + timedelta(seconds=60)
    shared.save()
    assert client.get(f"/shared/{shared.access_token}").status_code == 200
    shared.expires_at = timezone.now() - timedelta(seconds=1)
    shared.save()
    _assert_not_found_page(client.get(f"/shared/{shared.access_token}"))


def test_deleted_recording_is_a_404_page(client: Client, shared: SharingConfiguration) -> None:
    DeletedRecording.objects.create(environment=shared.environment, session_id=shared.recording.session_id)
    _assert_not_found_page(client.get(f"/shared/{shared.access_token}"))


def test_a_token_never_opens_another_recording_page(
    client: Client, shared: SharingConfiguration, environment: Environment
) -> None:
    other = SessionRecordingFactory.create(environment=environment)
    data = client.get(f"/shared/{shared.access_token}.json").json()
    assert data["recording"]["id"] == shared.recording.session_id != other.session_id


def test_pages_are_read_only_unless_password_protected(client: Client, shared: SharingConfiguration) -> None:
    response = client.post(f"/shared/{shared.access_token}", {"password": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "not_password_protected"
    assert client.put(f"/shared/{shared.access_token}").status_code == 405
    assert client.head(f"/shared/{shared.access_token}").status_code == 200


def test_page_requests_count_against_the_token_budget(
    client: Client, shared: SharingConfiguration, settings: Settings
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sharing_token": "2/minute"}
    assert [client.get(f"/shared/{shared.access_token}").status_code for _ in range(2)] == [200, 200]
    response = client.get(f"/shared/{shared.access_token}.json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"] == "throttled_error"


@pytest.mark.parametrize(
    ("name", "content_type", "marker"),
    [
        ("rrweb-player.js", "text/javascript", b"rrwebPlayer"),
        ("rrweb-player.css", "text/css", b".rr-player"),
        ("replay.js", "text/javascript", b"sharedReplayData"),
        ("replay-data.js", "text/javascript", b"Authorization"),
        ("replay-controls.js", "text/javascript", b"sharedReplayControls"),
        ("replay.css", "text/css", b".replay-player"),
    ],
)
def test_assets_are_served_without_a_cdn(
    client: Client, shared: SharingConfiguration, name: str, content_type: str, marker: bytes
) -> None:
    html = client.get(f"/shared/{shared.access_token}").content.decode()
    match = re.search(r'/sharing-assets/([^/"]+)/replay\.js', html)
    assert match is not None, html
    version = match.group(1)
    assert version.startswith("2.1.6-")  # the pinned rrweb-player
    response = client.get(f"/sharing-assets/{version}/{name}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert "immutable" in response["Cache-Control"]
    assert marker in b"".join(streamed_chunks(response))


def test_unknown_assets_are_404(client: Client, db: None) -> None:
    assert client.get("/sharing-assets/x/package.json").status_code == 404
    assert client.get("/sharing-assets/x/..%2F..%2Fconfig%2Fsettings.py").status_code == 404

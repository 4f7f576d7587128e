"""An operator finds a real posthog-js recording in the admin, watches it, and deletes it.

The harness records a posthog-js 1.449.2 session against the live server; it is flushed to S3.
A staff member (of the recording's organization) logs into the admin, searches the recordings
list by the recorded page's URL, opens **Watch** (the share page's player, fed through the admin
session by the API's two-phase protocol: no share token exists at any point) and sees the
recorded page's text replayed; then deletes the recording with the list action, after which the
API answers 404 for it.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from recordings.models import DeletedRecording, SessionRecording
from recordings_api.models import Environment, Membership, User
from recordings_api.services import membership_add, personal_api_key_create
from sharing.models import SharingConfiguration
from snapshots.models import RecordingBlob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 20_000
RECORDED_TEXT = "Checkout"  # the <h1> of the harness's test page
OPERATOR = ("operator@example.com", "operator-pw")


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", OPERATOR[0])
    page.fill("#id_password", OPERATOR[1])
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name", timeout=TIMEOUT_MS)


def _replayed_text(watch: Page) -> str:
    watch.wait_for_function(
        "() => window.sharedReplay && window.sharedReplay.status !== 'loading'", timeout=TIMEOUT_MS
    )
    status = watch.evaluate("() => window.sharedReplay.status")
    assert status == "ready", f"{status}: {watch.text_content('#replay-message')}"
    watch.wait_for_function(
        "(text) => { const f = document.querySelector('.replayer-wrapper iframe');"
        " return !!(f && f.contentDocument && f.contentDocument.body"
        " && f.contentDocument.body.textContent.includes(text)); }",
        arg=RECORDED_TEXT,
        timeout=TIMEOUT_MS,
    )
    return str(watch.frame_locator(".replayer-wrapper iframe").locator("body").text_content())


def test_operator_finds_watches_and_deletes_a_posthog_js_recording(
    browser: Browser, capture_server: LiveServer, recorded_session: tuple[Environment, str]
) -> None:
    environment, session_id = recorded_session
    call_command("flush_live_buffers")
    assert RecordingBlob.objects.filter(environment=environment, session_id=session_id).exists()
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    operator = User.objects.create_superuser(email=OPERATOR[0], password=OPERATOR[1])
    membership_add(organization=environment.project.organization, user=operator, level=Membership.Level.ADMIN)
    page_path = urlparse(recording.start_url or "").path  # "/page.html", on the harness's page server

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    snapshot_requests: list[str] = []
    context.on("request", lambda r: snapshot_requests.append(r.url) if "/snapshots" in r.url else None)
    try:
        _log_in(page, capture_server.url)
        page.goto(f"{capture_server.url}/admin/recordings/sessionrecording/")
        page.fill("#searchbar", page_path)
        page.press("#searchbar", "Enter")
        row = page.locator("#result_list tbody tr", has_text=session_id)
        row.wait_for(timeout=TIMEOUT_MS)

        with context.expect_page() as opened:
            row.locator("a.watch-recording").click()
        watch = opened.value
        assert RECORDED_TEXT in _replayed_text(watch)
        watch.close()

        row.locator("input.action-select").check()
        page.select_option("select[name=action]", "delete_selected")
        page.click("button[name=index]")
        page.click("input[type=submit]")  # "Yes, I'm sure"
        page.wait_for_selector(".messagelist .success", timeout=TIMEOUT_MS)
    finally:
        context.close()

    assert any("source=blob" in url for url in snapshot_requests), snapshot_requests
    assert not any("sharing_access_token" in url for url in snapshot_requests)
    assert not SharingConfiguration.objects.exists()
    assert DeletedRecording.objects.filter(environment=environment, session_id=session_id).exists()
    api = APIClient()
    key = personal_api_key_create(user=operator, label="check", scopes=["session_recording:read"]).plaintext
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get(f"/api/environments/{environment.id}/session_recordings/{session_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"

"""The public replay page really replays a posthog-js recording in headless Chromium.

A real posthog-js 1.449.2 session (the shared harness records it against the live server), plus
a copy of it as a second browser window, is flushed to S3, shared, and opened at
``/shared/{token}``: the page fetches the snapshots with the token through the two-phase
protocol, un-gzips the ``cv`` "2024-10" fields and plays one window at a time with rrweb-player.
``/embedded/{token}`` is then framed by another origin, where ``/shared/{token}`` is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Frame, Page
from pytest_django.live_server_helper import LiveServer

from recordings.models import SessionRecording
from recordings_api.models import Environment
from sharing.services import sharing_configuration_update
from snapshots.live_buffer import BufferedLine, get_live_buffer
from snapshots.models import RecordingBlob
from tests.factories import SessionRecordingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY_TIMEOUT_MS = 20_000
RECORDED_TEXT = "Checkout"  # the <h1> of the harness's test page
SECOND_WINDOW = "second-window"
SECOND_WINDOW_OFFSET_MS = 60_000
# Adds two iframes (#embedded, #shared) to a page of another origin.
FRAME_BOTH = """([embedded, shared]) => {
  for (const [id, src] of [["embedded", embedded], ["shared", shared]]) {
    const frame = document.createElement("iframe");
    frame.id = id;
    frame.src = src;
    frame.width = 900;
    frame.height = 600;
    document.body.appendChild(frame);
  }
}"""


def _wait_until_settled(page: Page) -> None:
    """Wait for the page to leave "loading"; fail with its own message unless it is ready."""
    page.wait_for_function(
        "() => window.sharedReplay && window.sharedReplay.status !== 'loading'", timeout=READY_TIMEOUT_MS
    )
    status = page.evaluate("() => window.sharedReplay.status")
    assert status == "ready", f"{status}: {page.text_content('#replay-message')}"


def _replay_text(page: Page) -> str:
    frame = page.frame_locator(".replayer-wrapper iframe")
    frame.locator("body").wait_for(state="attached", timeout=READY_TIMEOUT_MS)
    page.wait_for_function(
        "(text) => { const f = document.querySelector('.replayer-wrapper iframe');"
        " return !!(f && f.contentDocument && f.contentDocument.body"
        " && f.contentDocument.body.textContent.includes(text)); }",
        arg=RECORDED_TEXT,
        timeout=READY_TIMEOUT_MS,
    )
    return str(frame.locator("body").text_content())


def test_shared_page_replays_a_posthog_js_recording(
    browser: Browser,
    capture_server: LiveServer,
    page_server: str,
    recorded_session: tuple[Environment, str],
    tmp_path: Path,
) -> None:
    environment, session_id = recorded_session
    _add_second_window(environment, session_id)
    call_command("flush_live_buffers")
    assert RecordingBlob.objects.filter(environment=environment, session_id=session_id).exists()
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    token = sharing_configuration_update(recording=recording, user=None, enabled=True).access_token

    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{capture_server.url}/shared/{token}")
        _wait_until_settled(page)

        # The player mounted, with its replay frame and controller.
        assert page.locator("#replay-player .rr-player").count() == 1
        assert page.locator(".rr-controller").count() == 1
        # The replay frame rebuilt the recorded page from the decompressed full snapshot.
        assert RECORDED_TEXT in _replay_text(page)
        # Playback advances: the player reports increasing replay times.
        page.wait_for_function(
            "() => { const p = window.sharedReplay.progress;"
            " return p.length >= 2 && Math.max(...p) > Math.min(...p); }",
            timeout=READY_TIMEOUT_MS,
        )
        page.screenshot(path=str(tmp_path / "shared_page.png"))
        assert (tmp_path / "shared_page.png").stat().st_size > 0
        _assert_controls_work(page)

        # One window at a time: the second window gets its own button and replay.
        assert page.evaluate("() => window.sharedReplay.windowIds") == [_first_window(page), SECOND_WINDOW]
        page.click("#replay-windows button:nth-child(2)")
        page.wait_for_function(f"() => window.sharedReplay.windowId === '{SECOND_WINDOW}'")
        assert page.locator("#replay-player .rr-player").count() == 1
        assert RECORDED_TEXT in _replay_text(page)

        # /embedded/ may be framed by another origin; /shared/ may not.
        page.goto(f"{page_server}/not-a-page")
        page.evaluate(
            FRAME_BOTH, [f"{capture_server.url}/embedded/{token}", f"{capture_server.url}/shared/{token}"]
        )
        page.frame_locator("#embedded").locator(".rr-player").wait_for(timeout=READY_TIMEOUT_MS)
        shared_frame = page.locator("#shared").element_handle().content_frame()
        assert shared_frame is not None
        assert not _renders_player(shared_frame), shared_frame.url
        page.screenshot(path=str(tmp_path / "embedded_page.png"))
    finally:
        context.close()
    assert errors == []


def _assert_controls_work(page: Page) -> None:
    """The player's controls have accessible names and work by mouse and keyboard."""
    toggle = page.locator(".rr-controller__btns > button").first
    assert toggle.get_attribute("aria-label") == "Pause"
    assert page.get_by_role("button", name="Full screen").count() == 1
    assert page.get_by_role("checkbox", name="Skip inactive periods").count() == 1
    # Pause: the player says so, the button offers "Play", and the replay time stops.
    toggle.click()
    page.wait_for_function("() => window.sharedReplay.playerState === 'paused'")
    assert toggle.get_attribute("aria-label") == "Play"
    paused_at = page.evaluate("() => window.sharedReplay.currentTime")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.sharedReplay.currentTime") == paused_at
    # Speed: the chosen speed is the pressed one.
    page.get_by_role("button", name="Play at 2x speed").click()
    page.wait_for_function(
        "() => document.querySelector('[aria-label=\"Play at 2x speed\"]')"
        ".getAttribute('aria-pressed') === 'true'"
    )
    assert page.get_by_role("button", name="Play at 1x speed").get_attribute("aria-pressed") == "false"
    # The progress bar is a keyboard slider: End seeks to the end, Home back to the start.
    slider = page.get_by_role("slider", name="Playback position")
    slider.focus()
    slider.press("End")
    page.wait_for_function(
        "() => window.sharedReplay.currentTime >= window.sharedReplay.player.getMetaData().totalTime - 1"
    )
    assert slider.get_attribute("aria-valuenow") == slider.get_attribute("aria-valuemax")
    slider.press("Home")
    page.wait_for_function("() => window.sharedReplay.currentTime === 0")
    toggle.click()
    page.wait_for_function("() => window.sharedReplay.playerState === 'playing'")


def _first_window(page: Page) -> str:
    return str(page.evaluate("() => window.sharedReplay.windowIds[0]"))


def _add_second_window(environment: Environment, session_id: str) -> None:
    """Copy the recorded window's buffered lines as another tab, one minute later."""
    buffer = get_live_buffer()
    copies = []
    for buffered in buffer.read(environment_id=environment.id, session_id=session_id):
        message = json.loads(buffered.line)
        for event in message["data"]:
            event["timestamp"] += SECOND_WINDOW_OFFSET_MS
        message["window_id"] = SECOND_WINDOW
        copies.append(BufferedLine(score=buffered.score + SECOND_WINDOW_OFFSET_MS, line=json.dumps(message)))
    assert copies
    buffer.append(environment_id=environment.id, session_id=session_id, lines=copies)


def _renders_player(frame: Frame) -> bool:
    """Whether a frame shows the replay page (a frame refused by X-Frame-Options shows an error page)."""
    if frame is None:
        return False
    try:
        return bool(frame.evaluate("() => !!document.getElementById('replay-player')"))
    except Exception:
        return False


def test_shared_page_explains_an_empty_recording_and_a_revoked_link(
    browser: Browser, capture_server: LiveServer, capture_environment: Environment
) -> None:
    recording = SessionRecordingFactory.create(environment=capture_environment)  # metadata only, no snapshots
    token = sharing_configuration_update(recording=recording, user=None, enabled=True).access_token
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{capture_server.url}/shared/{token}")
        page.wait_for_function(
            "() => window.sharedReplay && window.sharedReplay.status !== 'loading'", timeout=READY_TIMEOUT_MS
        )
        assert page.evaluate("() => window.sharedReplay.status") == "empty"
        assert page.text_content("#replay-title") == "Nothing to replay yet"
        message = page.text_content("#replay-message")
        assert message is not None and message.startswith("This recording has no playable data yet.")
        assert page.locator(".replay-state").is_visible()
        assert page.locator(".rr-player").count() == 0

        sharing_configuration_update(recording=recording, user=None, enabled=False)
        response = page.goto(f"{capture_server.url}/shared/{token}")
        assert response is not None and response.status == 404
        heading = page.text_content("h1")
        assert heading is not None and "This recording is not available" in heading
    finally:
        context.close()

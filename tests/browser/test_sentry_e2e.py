"""The real npm ``@sentry/browser`` (pinned in package.json, bundled with esbuild from
node_modules here) records a page in headless Chromium into the service.

The page is served from another origin than the service (CORS as in production). It clicks, rage
clicks a button that does nothing, throws an error, navigates, waits past the SDK's 7 s slow-click
window and flushes the replay; the stored replay then has Sentry's aggregates, and its snapshots
replay through the PostHog protocol.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from recordings.models import RecordingClick, RecordingError, SessionRecording
from recordings_api.models import Environment, SentryClientKey
from tests.browser.sentry_api import SentryReplaysClient
from tests.browser.test_snapshots_e2e import SnapshotsClient

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

REPO = Path(__file__).resolve().parents[2]
META, FULL_SNAPSHOT = 4, 2
WAIT_SECONDS = 60

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Sentry test shop</title></head>
<body>
<h1 id="title">Shop</h1>
<button id="ok" class="btn primary" data-testid="ok-btn" aria-label="Add to cart">Add</button>
<button id="dead" class="btn dead">Nothing happens</button>
<button id="err" onclick="throw new Error('boom from the page')">Break</button>
<a id="nav" href="#">Next page</a>
<script src="/sentry-bundle.js"></script>
<script>
  Sentry.init({
    dsn: %(dsn)s,
    release: "shop@2.0.0",
    environment: "e2e",
    integrations: [Sentry.replayIntegration({
      maskAllText: false, blockAllMedia: false, maskAttributes: [],
      minReplayDuration: 0, flushMinDelay: 200, flushMaxDelay: 250,
    })],
    replaysSessionSampleRate: 1.0,
    replaysOnErrorSampleRate: 1.0,
  });
  Sentry.setUser({id: "u-7", email: "ann@example.com", username: "ann"});
  Sentry.setTag("plan", "pro");
  document.getElementById("ok").addEventListener("click", function () {
    document.getElementById("title").textContent = "Added";
  });
  document.getElementById("nav").addEventListener("click", function (event) {
    event.preventDefault();
    history.pushState({}, "", "/page2");  // no DOM change: a mutation would end the slow clicks
  });
</script>
</body></html>
"""


@pytest.fixture(scope="session")
def sentry_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``@sentry/browser`` from node_modules, bundled into one IIFE setting ``window.Sentry``."""
    esbuild = REPO / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists() or not (REPO / "node_modules" / "@sentry" / "browser").exists():
        pytest.fail("node_modules lacks esbuild or @sentry/browser: run `npm ci` (make install)")
    out = tmp_path_factory.mktemp("sentry") / "sentry-bundle.js"
    subprocess.run(
        [str(esbuild), "--bundle", "--format=iife", "--log-level=warning", f"--outfile={out}"],
        input=b'import * as Sentry from "@sentry/browser"; window.Sentry = Sentry;',
        cwd=REPO,
        check=True,
        timeout=120,
    )
    return out


class _Pages(BaseHTTPRequestHandler):
    bundle: bytes = b""
    page: bytes = b""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        body, kind = (
            (self.bundle, "application/javascript")
            if self.path.startswith("/sentry-bundle.js")
            else (self.page, "text/html; charset=utf-8")
        )
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def sentry_page_server(sentry_bundle: Path) -> Iterator[tuple[str, type[_Pages]]]:
    handler = type("Pages", (_Pages,), {"bundle": sentry_bundle.read_bytes()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _wait_for(replay_id: str, page: Any) -> SessionRecording:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        recording = SessionRecording.objects.filter(session_id=replay_id).first()
        if (
            recording is not None
            and recording.segment_count >= 2
            and recording.error_count >= 1
            and recording.rage_click_count >= 1
        ):
            return recording
        page.wait_for_timeout(500)
    found = SessionRecording.objects.filter(session_id=replay_id).values().first()
    raise AssertionError(f"replay {replay_id} incomplete: {found}")


def test_the_real_sentry_sdk_records_a_replay(
    browser: Any, capture_server: Any, capture_environment: Environment, sentry_page_server: Any
) -> None:
    origin, handler = sentry_page_server
    key = SentryClientKey.objects.create(environment=capture_environment)
    dsn = f"http://{key.public_key}@{capture_server.url.split('://', 1)[1]}/{capture_environment.id}"
    handler.page = (PAGE % {"dsn": json.dumps(dsn)}).encode()
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.startswith(capture_server.url) else None)
    try:
        page.goto(f"{origin}/index.html")
        page.wait_for_function(
            "() => !!(window.Sentry && Sentry.getReplay() && Sentry.getReplay().getReplayId())"
        )
        replay_id = str(page.evaluate("() => Sentry.getReplay().getReplayId()"))
        page.wait_for_timeout(1000)
        page.click("#ok")
        for _ in range(5):
            page.click("#dead", delay=10)
        page.click("#err")
        page.click("#nav")
        page.wait_for_timeout(9000)  # the SDK's slow-click window (7 s) and its 1 s checks
        page.evaluate("() => Sentry.getReplay().flush()")
        recording = _wait_for(replay_id, page)
    finally:
        context.close()

    error = RecordingError.objects.get(environment=capture_environment, session_id=replay_id)
    assert statuses and all(status == 200 for status in statuses), statuses
    assert (error.exception_type, error.exception_value, error.level) == (
        "Error",
        "boom from the page",
        "error",
    )
    assert recording.error_ids == [error.event_id] and recording.error_count == 1
    assert recording.segment_count >= 2
    assert recording.dead_click_count >= 1 and recording.rage_click_count >= 1
    assert f"{origin}/index.html" in recording.visited_urls and f"{origin}/page2" in recording.visited_urls
    assert (recording.app_user_id, recording.app_user_email, recording.app_user_username) == (
        "u-7",
        "ann@example.com",
        "ann",
    )
    assert recording.tags == {"plan": ["pro"]}
    assert (recording.releases, recording.sdk_environment) == (["shop@2.0.0"], "e2e")
    assert (recording.browser_name, recording.sdk_name) == ("Chrome", "sentry.javascript.browser")
    events = SnapshotsClient(capture_server.url, capture_environment, replay_id).events()
    assert {META, FULL_SNAPSHOT} <= {event["type"] for event in events}

    # Read back through the Sentry API (``/api/0/``): the search finds it by its clicks.
    replays = SentryReplaysClient(capture_server.url, capture_environment)
    assert replays.replay_ids("count_rage_clicks:>0") == [replay_id]
    assert replays.replay_ids("count_rage_clicks:>100") == []
    assert replays.replay_ids("click.testid:ok-btn") == [replay_id]
    assert replays.replay_ids('click.label:"Add to cart" release:shop@2.0.0 plan:pro') == [replay_id]
    # Its segments reassemble the recording, and its clicks list the buttons clicked.
    segments = json.loads(replays.replay_get(replay_id, "recording-segments/?download=true"))
    # Segments are served from the live buffer as soon as they are acknowledged; the recording's
    # count follows once the aggregator applied them (the SDK may send one more on page close).
    deadline = time.monotonic() + WAIT_SECONDS
    while recording.segment_count < len(segments) and time.monotonic() < deadline:
        time.sleep(0.2)
        recording.refresh_from_db()
    assert len(segments) == recording.segment_count
    types = [event["type"] for segment in segments for event in segment]
    assert types.index(META) < types.index(FULL_SNAPSHOT)
    clicks = json.loads(replays.replay_get(replay_id, "clicks/?query=click.tag:button"))["data"]
    buttons = RecordingClick.objects.filter(session_id=replay_id, tag="button").order_by("timestamp", "id")
    assert clicks == [{"node_id": c.node_id, "timestamp": int(c.timestamp.timestamp())} for c in buttons]
    assert {"ok", "dead", "err"} <= {c.element_id for c in buttons}
    ok_clicks = json.loads(replays.replay_get(replay_id, "clicks/?query=click.id:ok"))["data"]
    assert ok_clicks and all(row["node_id"] == ok_clicks[0]["node_id"] for row in ok_clicks)
    # Browse's ``field=clicks``: the same click rows, with Sentry's keys.
    [browsed] = replays.replays(f"id:{replay_id}", fields=("id", "clicks"))
    browsed_clicks = browsed["clicks"]
    assert isinstance(browsed_clicks, list)
    all_clicks = (
        RecordingClick.objects.filter(session_id=replay_id).exclude(tag="").order_by("timestamp", "id")
    )
    assert [(c["click.tag"], c["click.id"]) for c in browsed_clicks] == [
        (c.tag, c.element_id) for c in all_clicks
    ]
    assert {"ok", "dead", "err"} <= {c["click.id"] for c in browsed_clicks}

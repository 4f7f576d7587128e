"""Shared browser harness: headless Chromium + the real npm posthog-js against a live server.

Every test here is marked ``@pytest.mark.browser``. Chromium is Debian's ``/usr/bin/chromium``
driven by Python Playwright (never ``playwright install``); tests are skipped when it is missing
unless ``REQUIRE_SERVICES=1``.

Fixtures (reuse them from any ``tests/browser/test_*.py``):

- ``browser`` (session) — a launched Playwright Chromium ``Browser``.
- ``capture_server`` — pytest-django's ``live_server`` (transactional database) with object
  storage pointed at a fresh moto-server S3 bucket (``OBJECT_STORAGE_*`` overridden for the
  test) and the embedded (database) live buffer. Its ``.url`` is the posthog-js ``api_host``.
- ``capture_environment`` — an Environment (with project and organization) in that database;
  its ``api_token`` is what the page passes to ``posthog.init``.
- ``page_server`` (session) — a loopback HTTP server on ANOTHER port (so every capture call is
  cross-origin and CORS is exercised) serving ``/page.html?…`` and the posthog-js files of
  ``node_modules`` under ``/npm/{package}/dist/{file}``.
- ``record_session(environment, *, package="posthog-js", bundle="array.full.js")`` — opens the
  test page with that posthog-js build (``package="posthog-js-1300"`` is 1.300.0), moves the
  mouse, clicks, types and logs to the console, waits until the recording row shows a click, a
  keypress and console logs, and returns a ``RecordedSession(session_id, page_url, requests)``
  (``requests``: the URLs the page called on the capture server; ``statuses``: URL → last
  HTTP status the page got for it).
- ``recorded_session`` — ``(environment, session_id)`` after one real recording with posthog-js
  1.449.2; its data is still in the live buffer: call
  ``django.core.management.call_command("flush_live_buffers")`` to get a blob in S3.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Browser, Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from recordings.models import SessionRecording
from recordings_api.models import Environment, Organization
from recordings_api.services import project_create
from snapshots.aggregation import Aggregator
from tests.conftest import S3_CREDENTIALS, make_bucket

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RECORDING_TIMEOUT_SECONDS = 40


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            raise RuntimeError(f"{CHROMIUM} is required for browser tests (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's async-safety guard would
    # refuse the tests' own ORM queries while it exists. Lifted only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- the page server ------------------------------------------------------------------------

PAGE_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Checkout test page</title></head>
<body>
<h1>Checkout</h1>
<p id="intro">A page recorded by posthog-js for the ingestion tests.</p>
<button id="buy" type="button">Buy now</button>
<input id="name" type="text" placeholder="Your name">
<textarea id="notes"></textarea>
<script src="/npm/{package}/dist/{bundle}"></script>
<script>
  posthog.init({token_json}, {{
    api_host: {api_host_json},
    opt_out_useragent_filter: true,
    request_queue_config: {{flush_interval_ms: 250}},
    person_profiles: "always",
    capture_pageview: true,
    disable_session_recording: false,
    loaded: function (ph) {{ window.__posthogLoaded = true; }}
  }});
  document.getElementById("buy").addEventListener("click", function () {{
    document.getElementById("intro").textContent = "Thanks for buying";
  }});
</script>
</body></html>
"""


def _js_string(value: str) -> str:
    import json

    return json.dumps(value).replace("<", "\\u003c")


class _PageHandler(BaseHTTPRequestHandler):
    node_modules: Path = Path(django_settings.NODE_MODULES_DIR)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parsed = urlparse(self.path)
        if parsed.path == "/page.html":
            query = {key: values[0] for key, values in parse_qs(parsed.query).items()}
            html = PAGE_TEMPLATE.format(
                package=query.get("package", "posthog-js"),
                bundle=query.get("bundle", "array.full.js"),
                token_json=_js_string(query.get("token", "")),
                api_host_json=_js_string(query.get("api_host", "")),
            )
            self._send(200, html.encode(), "text/html; charset=utf-8")
            return
        parts = parsed.path.split("/")
        # /npm/{package}/dist/{file}
        if len(parts) == 5 and parts[1] == "npm" and parts[3] == "dist" and ".." not in parsed.path:
            path = self.node_modules / parts[2] / "dist" / parts[4]
            if path.is_file():
                self._send(200, path.read_bytes(), "application/javascript; charset=utf-8")
                return
        self._send(404, b"not found", "text/plain")


@pytest.fixture(scope="session")
def page_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- the capture server -------------------------------------------------------------------------


@pytest.fixture
def capture_server(live_server: LiveServer, settings: Settings, s3_endpoint: str) -> Iterator[LiveServer]:
    """The service on a live server, with an aggregator applying the ingest log, as deployed."""
    bucket = make_bucket(s3_endpoint)
    settings.OBJECT_STORAGE_ENDPOINT = s3_endpoint
    settings.OBJECT_STORAGE_BUCKET = bucket
    for name, value in S3_CREDENTIALS.items():
        setattr(settings, name, value)
    # The database live buffer lives in this test's own database: a shared Redis database would
    # be flushed by concurrent runs (and the Redis driver has its own contract suite).
    settings.REDIS_URL = None
    stop = threading.Event()
    aggregator = threading.Thread(
        target=Aggregator(consumer="browser-tests").run_forever,
        kwargs={"stop": stop, "poll_seconds": 0.1},
        name="browser-tests-aggregator",
    )
    aggregator.start()
    try:
        yield live_server
    finally:
        stop.set()
        aggregator.join(10)


@pytest.fixture
def capture_environment(transactional_db: None) -> Environment:
    organization = Organization.objects.create(name="Browser org")
    project = project_create(organization=organization, name="Browser shop")
    return Environment.objects.select_related("project").get(id=project.id)


@dataclass
class RecordedSession:
    session_id: str
    page_url: str
    requests: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def _recording_complete(environment: Environment, session_id: str) -> SessionRecording | None:
    recording = SessionRecording.objects.filter(environment=environment, session_id=session_id).first()
    if recording is None:
        return None
    counts = (recording.click_count, recording.keypress_count, recording.console_log_count)
    return (
        recording if all(counts) and recording.console_warn_count and recording.console_error_count else None
    )


def _interact(page: Page) -> None:
    for step in range(8):
        page.mouse.move(40 + step * 25, 60 + step * 10)
    page.click("#buy")
    page.click("#name")
    page.keyboard.type("Ada Lovelace", delay=15)
    page.fill("#notes", "leave at the door")
    page.evaluate(
        "() => { console.log('a console line from the page');"
        " console.warn('a warning from the page'); console.error('an error from the page'); }"
    )
    page.mouse.move(300, 200)


def _wait_for_recording(page: Page, environment: Environment, session_id: str) -> None:
    deadline = time.monotonic() + RECORDING_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if _recording_complete(environment, session_id) is not None:
            return
        page.mouse.move(100, 100)
        page.wait_for_timeout(250)
    recording = SessionRecording.objects.filter(session_id=session_id).values().first()
    raise AssertionError(
        f"no complete recording for {session_id} after {RECORDING_TIMEOUT_SECONDS}s: {recording}"
    )


@pytest.fixture
def record_session(
    browser: Browser, page_server: str, capture_server: LiveServer
) -> Callable[..., RecordedSession]:
    def _record(
        environment: Environment, *, package: str = "posthog-js", bundle: str = "array.full.js"
    ) -> RecordedSession:
        from urllib.parse import urlencode

        query = urlencode(
            {
                "package": package,
                "bundle": bundle,
                "token": environment.api_token,
                "api_host": capture_server.url,
            }
        )
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        requests: list[str] = []
        statuses: dict[str, int] = {}
        page.on("request", lambda r: requests.append(r.url) if r.url.startswith(capture_server.url) else None)
        page.on(
            "response",
            lambda r: statuses.__setitem__(r.url, r.status) if r.url.startswith(capture_server.url) else None,
        )
        try:
            page.goto(f"{page_server}/page.html?{query}")
            page.wait_for_function("() => window.__posthogLoaded === true", timeout=15_000)
            page.wait_for_function("() => !!posthog.get_session_id()", timeout=15_000)
            session_id = str(page.evaluate("() => posthog.get_session_id()"))
            _interact(page)
            _wait_for_recording(page, environment, session_id)
            return RecordedSession(
                session_id=session_id, page_url=page.url, requests=requests, statuses=statuses
            )
        finally:
            context.close()

    return _record


@pytest.fixture
def recorded_session(
    capture_environment: Environment, record_session: Callable[..., RecordedSession]
) -> tuple[Environment, str]:
    return capture_environment, record_session(capture_environment).session_id

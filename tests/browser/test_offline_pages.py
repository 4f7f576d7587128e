"""The documentation, admin and share pages load nothing from outside this host.

Each page is opened in Chromium with every request routed through a guard: a request to any
host other than the live server's is recorded and aborted, and the test fails naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Route
from pytest_django.live_server_helper import LiveServer

from recordings_api.models import Environment, User
from sharing.services import sharing_configuration_update
from tests.factories import SessionRecordingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETTLE_MS = 1_500


@pytest.fixture
def guarded_page(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    local_host = urlparse(live_server.url).netloc
    outside: list[str] = []
    context = browser.new_context()
    page = context.new_page()

    def guard(route: Route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or parsed.netloc == local_host:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    yield page, outside
    context.close()


def _open(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status < 400, (url, response and response.status)
    page.wait_for_timeout(SETTLE_MS)


@pytest.mark.parametrize("path", ["/api/schema/redoc/", "/api/schema/swagger-ui/"])
def test_api_docs_load_nothing_from_outside(
    guarded_page: tuple[Page, list[str]], live_server: LiveServer, path: str
) -> None:
    page, outside = guarded_page

    _open(page, live_server.url + path)

    assert outside == []
    # The documentation really rendered (from the local schema).
    assert "Session recordings API" in page.content()


def test_admin_loads_nothing_from_outside(
    guarded_page: tuple[Page, list[str]], live_server: LiveServer, transactional_db: None
) -> None:
    page, outside = guarded_page
    User.objects.create_superuser(email="ops@example.com", password="pw-ops")

    _open(page, live_server.url + "/admin/")
    page.fill("#id_username", "ops@example.com")
    page.fill("#id_password", "pw-ops")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    _open(page, live_server.url + "/admin/recordings/sessionrecording/")

    assert outside == []
    assert "Select session recording to change" in page.content()


def test_shared_page_loads_nothing_from_outside(
    guarded_page: tuple[Page, list[str]], live_server: LiveServer, capture_environment: Environment
) -> None:
    page, outside = guarded_page
    recording = SessionRecordingFactory.create(environment=capture_environment)
    token = sharing_configuration_update(recording=recording, user=None, enabled=True).access_token

    _open(page, f"{live_server.url}/shared/{token}")

    assert outside == []
    assert page.evaluate("() => window.sharedReplay.status") in ("empty", "ready")

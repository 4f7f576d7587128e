"""Credentials are never echoed into links, and never written to a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings_api.models import Environment, User
from recordings_api.redaction import redact
from tests.factories import SessionRecordingFactory

KEY = "phx_0123456789abcdefghijABCDEFGHIJ0123456789abcdefgh"
SHARING_TOKEN = "k3J9-xY_2bq7LmN0pQ4rS8tUvW"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured console handler writes, for the duration of a test."""
    handler = logging.getLogger().handlers[0]  # the one console handler every logger writes to
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_key_in_the_query_string_is_not_echoed_into_page_links(
    environment: Environment, owner: User, make_key: Callable[..., str]
) -> None:
    SessionRecordingFactory.create_batch(3, environment=environment)
    key = make_key(owner, ["*"])
    response = APIClient().get(
        f"/api/projects/{environment.id}/session_recordings/",
        {"personal_api_key": key, "limit": "1", "offset": "1"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (
        body["next"]
        == f"http://testserver/api/projects/{environment.id}/session_recordings/?limit=1&offset=2"
    )
    assert body["previous"] == f"http://testserver/api/projects/{environment.id}/session_recordings/?limit=1"
    assert key not in response.content.decode()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f'127.0.0.1 "GET /api/projects/1/x/?personal_api_key={KEY}&limit=2 HTTP/1.1" 200',
            '127.0.0.1 "GET /api/projects/1/x/?personal_api_key=[redacted]&limit=2 HTTP/1.1" 200',
        ),
        (
            f"GET /api/projects/1/session_recordings/abc/snapshots?sharing_access_token={SHARING_TOKEN}",
            "GET /api/projects/1/session_recordings/abc/snapshots?sharing_access_token=[redacted]",
        ),
        (f"Authorization: Bearer {KEY}", "Authorization: Bearer phx_[redacted]"),
        (
            f'"GET /shared/{SHARING_TOKEN}.json" "https://x/embedded/{SHARING_TOKEN}"',
            '"GET /shared/[redacted].json" "https://x/embedded/[redacted]"',
        ),
        ("POST /s/?token=phc_public&ver=1.449.2", "POST /s/?token=phc_public&ver=1.449.2"),
        ("personal_api_key%3Dphx_abc", "personal_api_key%3D[redacted]"),
    ],
    ids=[
        "key_in_query",
        "sharing_token_in_query",
        "bearer",
        "sharing_paths",
        "project_token_kept",
        "encoded",
    ],
)
def test_redact(line: str, expected: str) -> None:
    assert redact(line) == expected


@pytest.mark.parametrize(
    "logger_name", ["django.request", "gunicorn.access", "gunicorn.error", "recordings_api"]
)
def test_every_logger_writes_through_the_redacting_formatter(
    log_output: io.StringIO, logger_name: str
) -> None:
    logging.getLogger(logger_name).error('"GET /x?personal_api_key=%s" /shared/%s', KEY, SHARING_TOKEN)
    written = log_output.getvalue()
    assert "personal_api_key=[redacted]" in written
    assert "/shared/[redacted]" in written
    assert KEY not in written
    assert SHARING_TOKEN not in written


def test_runserver_request_lines_are_not_written_at_all(log_output: io.StringIO) -> None:
    """One line per request comes from the request middleware; runserver's own are off."""
    logging.getLogger("django.server").warning('"GET /x?personal_api_key=%s"', KEY)
    assert log_output.getvalue() == ""


def test_an_exception_traceback_is_redacted_too(log_output: io.StringIO) -> None:
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError:
        logging.getLogger("recordings_api").exception("failed")
    assert "bad key phx_[redacted]" in log_output.getvalue()
    assert KEY not in log_output.getvalue()


def test_a_rejected_request_logs_no_credential(
    log_output: io.StringIO, environment: Environment, settings: Settings
) -> None:
    client = APIClient()
    response = client.get(f"/shared/{SHARING_TOKEN}")
    assert response.status_code == 404
    assert '"path": "/shared/[redacted]"' in log_output.getvalue()  # the request's one log line
    assert SHARING_TOKEN not in log_output.getvalue()

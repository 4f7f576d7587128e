from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from recordings_api import health
from tests.conftest import S3_CREDENTIALS

pytestmark = pytest.mark.django_db


def test_health_answers_without_dependencies(client: Client) -> None:
    response = client.get("/_health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_checks_every_dependency(client: Client) -> None:
    response = client.get("/_readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body == {"status": "ok", "checks": dict.fromkeys(body["checks"], "ok"), "failed": []}
    assert {"database", "live_buffer", "object_storage"} <= set(body["checks"])


def _unreachable() -> None:
    raise ConnectionError("connection refused by http://10.0.0.5:9000/internal-bucket")


def test_readyz_names_the_failed_check_and_nothing_more(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(health._CHECKS, "object_storage", _unreachable)
    response = client.get("/_readyz")
    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "unavailable",
        "checks": {**dict.fromkeys(body["checks"], "ok"), "object_storage": "failed"},
        "failed": ["object_storage"],
    }
    assert "10.0.0.5" not in response.content.decode()


@pytest.mark.parametrize("how", ["token", "debug"])
def test_readyz_gives_the_reasons_with_the_token_or_in_debug(
    client: Client, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setitem(health._CHECKS, "object_storage", _unreachable)
    with override_settings(READINESS_TOKEN="probe-secret", DEBUG=how == "debug"):
        headers: dict[str, Any] = {"HTTP_AUTHORIZATION": "Bearer probe-secret"} if how == "token" else {}
        response = client.get("/_readyz", **headers)
        wrong = client.get("/_readyz", HTTP_AUTHORIZATION="Bearer nope")
    assert response.json()["errors"] == {
        "object_storage": "ConnectionError: connection refused by http://10.0.0.5:9000/internal-bucket"
    }
    assert ("errors" in wrong.json()) is (how == "debug")


@pytest.fixture
def stalled_endpoint() -> Iterator[str]:
    """A loopback port that completes TCP handshakes and then never answers (a stalled server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_readyz_answers_503_within_3_seconds_while_object_storage_stalls(
    client: Client, stalled_endpoint: str
) -> None:
    with override_settings(
        OBJECT_STORAGE_ENDPOINT=stalled_endpoint, OBJECT_STORAGE_BUCKET="stalled", **S3_CREDENTIALS
    ):
        started = time.monotonic()
        response = client.get("/_readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["failed"] == ["object_storage"]
    assert elapsed < 3

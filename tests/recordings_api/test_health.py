from __future__ import annotations

import pytest

from recordings_api import health

pytestmark = pytest.mark.django_db


def test_health_answers_without_dependencies(client):
    response = client.get("/_health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_checks_every_dependency(client):
    response = client.get("/_readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failed"] == []
    assert {"database", "live_buffer", "object_storage"} <= set(body["checks"])


def test_readyz_is_503_naming_the_failed_dependency(client, monkeypatch):
    def unreachable() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health._CHECKS, "object_storage", unreachable)
    response = client.get("/_readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["object_storage"]
    assert body["checks"]["object_storage"] == "error: ConnectionError: connection refused"
    assert body["checks"]["database"] == "ok"
